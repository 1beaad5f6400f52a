using System.Collections.Generic;
using Calloop.Collections;
using NUnit.Framework;

namespace Calloop.Tests.Collections;

public class ArenaTests
{
    private struct Item : IArenaSlot
    {
        public int Value;

        public int Version { get; set; }

        public int NextFree { get; set; }
    }

    [Test]
    public void FreedSlotsAreReusedMostRecentFirstWithANewVersion()
    {
        var arena = new Arena<Item>(4);
        int a = arena.Allocate();
        int b = arena.Allocate();
        Assert.That((a, b), Is.EqualTo((0, 1)));
        Assert.That(arena[a].Version, Is.EqualTo(1), "versions start at 1, so 0 names nothing");
        arena.Free(a);
        Assert.That(arena[a].Version, Is.EqualTo(2));
        Assert.That(arena.Allocate(), Is.EqualTo(a));
        Assert.That((arena.Live, arena.Used), Is.EqualTo((2, 2)));
    }

    [Test]
    public void TheLimitIsRefused()
    {
        var arena = new Arena<Item>(4);
        arena.Allocate(limit: 2);
        arena.Allocate(limit: 2);
        Assert.Throws<System.InvalidOperationException>(() => arena.Allocate(limit: 2));
        arena.Free(0);
        Assert.That(arena.Allocate(limit: 2), Is.Zero, "a freed slot is still available at the limit");
    }

    [Test]
    public void TrimmingGivesBackEverythingPastTheHighestLiveSlotAndKeepsTheRest()
    {
        var arena = new Arena<Item>(16);
        for (int i = 0; i < 100_000; i++)
        {
            int index = arena.Allocate();
            arena[index].Value = i;
        }
        Assert.That(arena.Capacity, Is.GreaterThanOrEqualTo(100_000));
        // Keep slots 3 and 700; free the rest.
        for (int i = 0; i < 100_000; i++)
        {
            if (i != 3 && i != 700)
            {
                arena.Free(i);
            }
        }
        Assert.That(arena.IsSparse, Is.True);
        arena.TrimExcess(16);
        Assert.That(arena.Used, Is.EqualTo(701));
        Assert.That(arena.Capacity, Is.LessThan(2048));
        Assert.That((arena[3].Value, arena[700].Value), Is.EqualTo((3, 700)));
        Assert.That(arena.IsSparse, Is.False);

        // The free slots below the highest live one are handed out lowest first, then new ones.
        var taken = new List<int>();
        for (int i = 0; i < 699; i++)
        {
            taken.Add(arena.Allocate());
        }
        Assert.That(taken[0], Is.Zero);
        Assert.That(taken, Does.Not.Contain(3).And.Not.Contain(700));
        Assert.That(taken, Is.Unique);
        Assert.That(arena.Allocate(), Is.EqualTo(701));
    }

    [Test]
    public void ASlotCreatedAgainAfterATrimStartsAboveEveryVersionItsIndexHad()
    {
        var arena = new Arena<Item>(4);
        for (int round = 0; round < 5; round++)
        {
            for (int i = 0; i < 10_000; i++)
            {
                arena.Allocate();
            }
            for (int i = 0; i < 10_000; i++)
            {
                arena.Free(i);
            }
        }
        int old = arena[9_999].Version;
        arena.TrimExcess(4);
        Assert.That((arena.Used, arena.Live), Is.EqualTo((0, 0)));
        for (int i = 0; i < 10_000; i++)
        {
            int index = arena.Allocate();
            Assert.That(arena[index].Version, Is.GreaterThanOrEqualTo(old), $"slot {index}");
        }
    }

    [Test]
    public void AnEmptyArenaTrimsToItsInitialSize()
    {
        var arena = new Arena<Item>(16);
        for (int i = 0; i < 5000; i++)
        {
            arena.Allocate();
        }
        for (int i = 4999; i >= 0; i--)
        {
            arena.Free(i);
        }
        arena.TrimExcess(16);
        Assert.That(arena.Capacity, Is.EqualTo(16));
        Assert.That(arena.Allocate(), Is.Zero);
    }

    [Test]
    public void AVersionAtIntMaxValueWrapsToOneNeverToZero()
    {
        var arena = new Arena<Item>(4);
        int a = arena.Allocate();
        arena[a].Version = int.MaxValue;
        arena.Free(a);
        Assert.That(arena[a].Version, Is.EqualTo(1), "0 names nothing and a negative version is no version");
    }

    [Test]
    public void ASlotDroppedByATrimAtIntMaxValueComesBackAsVersionOne()
    {
        var arena = new Arena<Item>(4);
        int a = arena.Allocate();
        int b = arena.Allocate();
        arena[b].Version = int.MaxValue - 1;
        arena.Free(b); // int.MaxValue, past the highest live slot
        arena.TrimExcess(4);
        Assert.That(arena.Used, Is.EqualTo(1));
        Assert.That(arena.Allocate(), Is.EqualTo(b));
        Assert.That(arena[b].Version, Is.EqualTo(1), "above every version the slot had, wrapping past int.MaxValue to 1");
        Assert.That(arena[a].Version, Is.EqualTo(1));
    }

    [Test]
    public void ResetEmptyIsRefusedWhileASlotIsLiveAndRestartsTheIndicesOtherwise()
    {
        var arena = new Arena<Item>(4);
        int a = arena.Allocate();
        arena.Allocate();
        var e = Assert.Throws<System.InvalidOperationException>(() => arena.ResetEmpty(10));
        Assert.That(e!.Message, Is.EqualTo("Only an arena with no live slot can be reset."));
        Assert.That((arena.Live, arena.Used), Is.EqualTo((2, 2)), "the refused reset changed nothing");

        arena.Free(1);
        arena.Free(a);
        arena.ResetEmpty(10);
        Assert.That(arena.Allocate(), Is.Zero, "index order again, not the free list's");
        Assert.That(arena[0].Version, Is.EqualTo(10));
        Assert.That(arena.Allocate(), Is.EqualTo(1));
    }

    [Test]
    public void ReserveGrowsTheArenaAndKeepsItsSlots()
    {
        var arena = new Arena<Item>(4);
        int a = arena.Allocate();
        arena[a].Value = 7;
        arena.Reserve(1000);
        Assert.That(arena.Capacity, Is.GreaterThanOrEqualTo(1000));
        Assert.That(arena[a].Value, Is.EqualTo(7));
        Assert.That((arena.Live, arena.Used), Is.EqualTo((1, 1)));
        int capacity = arena.Capacity;
        arena.Reserve(10);
        Assert.That(arena.Capacity, Is.EqualTo(capacity), "never shrinks");
    }
}
