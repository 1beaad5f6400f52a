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
}
