using System;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

/// <summary>A registration's tokens: numbered from 0 in the order asked, at most 65,536 of them.</summary>
public class TokenFactoryTests
{
    private const int Slot = 12_345;
    private const int Version = 678;

    [Test]
    public void TokensAreNumberedFromZeroInTheOrderTheyAreAskedFor()
    {
        var factory = new TokenFactory(Slot, Version);
        Assert.That(factory.Issued, Is.Zero);
        for (int i = 0; i < 5; i++)
        {
            Token token = factory.NextToken();
            Assert.That((token.Slot, token.Version, token.SubId), Is.EqualTo((Slot, Version, i)));
            Assert.That(factory.Issued, Is.EqualTo(i + 1));
        }
    }

    [Test]
    public void SkippedSubIdsAreNeverHandedOut()
    {
        var factory = new TokenFactory(Slot, Version);
        factory.NextToken();
        factory.Skip(3);
        Assert.That(factory.Issued, Is.EqualTo(4));
        Assert.That(factory.NextToken().SubId, Is.EqualTo(4));
        factory.Skip(0);
        Assert.That(factory.NextToken().SubId, Is.EqualTo(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.Skip(-1));
        Assert.That(factory.Issued, Is.EqualTo(6), "a refused skip changes nothing");
    }

    [Test]
    public void ExactlySixtyFiveThousandFiveHundredThirtySixTokensAreHandedOut()
    {
        var factory = new TokenFactory(Slot, Version);
        Token last = default;
        for (int i = 0; i < 65_536; i++)
        {
            last = factory.NextToken();
        }
        Assert.That((last.Slot, last.Version, last.SubId), Is.EqualTo((Slot, Version, 65_535)));
        Assert.That(factory.Issued, Is.EqualTo(65_536));
        var e = Assert.Throws<InvalidOperationException>(() => factory.NextToken());
        Assert.That(e!.Message, Does.Contain("65536"));
        Assert.That(factory.Issued, Is.EqualTo(65_536), "the refused token was not counted");
    }

    [Test]
    public void SkippingUpToTheLimitIsAllowedAndOneMoreIsRefused()
    {
        var whole = new TokenFactory(Slot, Version);
        whole.Skip(65_536);
        Assert.That(whole.Issued, Is.EqualTo(65_536));
        Assert.Throws<InvalidOperationException>(() => whole.NextToken());
        var e = Assert.Throws<InvalidOperationException>(() => whole.Skip(1));
        Assert.That(e!.Message, Is.EqualTo("A source asked for more than 65536 tokens in one registration."));
        whole.Skip(0);

        var part = new TokenFactory(Slot, Version);
        part.Skip(65_535);
        Assert.That(part.NextToken().SubId, Is.EqualTo(65_535), "the last sub-id is still there");
        Assert.Throws<InvalidOperationException>(() => part.Skip(1));

        var over = new TokenFactory(Slot, Version);
        Assert.Throws<InvalidOperationException>(() => over.Skip(65_537));
        Assert.That(over.Issued, Is.Zero, "a refused skip changes nothing");
        Assert.Throws<InvalidOperationException>(() => over.Skip(int.MaxValue));
    }

    [Test]
    public void ATokenPacksSlotVersionAndSubIdWithoutOverlap()
    {
        var token = new Token(Token.MaxSlot, Token.VersionMask, 0xFFFF);
        Assert.That((token.Slot, token.Version, token.SubId), Is.EqualTo((Token.MaxSlot, Token.VersionMask, 0xFFFF)));
        Assert.That(token.Value, Is.EqualTo(ulong.MaxValue));
        var low = new Token(1, 1, 1);
        Assert.That(low.Value, Is.EqualTo((1UL << 40) | (1UL << 16) | 1UL));
        // Versions wider than the token keeps wrap instead of spilling into the slot.
        var wide = new Token(3, Token.VersionMask + 2, 7);
        Assert.That((wide.Slot, wide.Version, wide.SubId), Is.EqualTo((3, 1, 7)));
        Assert.That(new Token(low.Value), Is.EqualTo(low));
        Assert.That(low.ToString(), Is.EqualTo("Token(slot 1, version 1, sub-id 1)"));
    }

    [Test]
    public void TheLoopGivesEachRegistrationAFreshFactoryForItsSlot()
    {
        using var loop = new EventLoop<int>();
        var probe = new Probe();
        RegistrationToken registration = loop.Handle.InsertSource(probe, (_, ref _, ref _) => { });
        Assert.That(probe.Seen, Is.EqualTo(new[] { (registration.Slot, 0, 0), (registration.Slot, 1, 1) }));
        loop.Handle.Update(registration);
        Assert.That(probe.Seen[2..], Is.EqualTo(new[] { (registration.Slot, 0, 0), (registration.Slot, 1, 1) }), "Reregister numbers from 0 again");
    }

    /// <summary>Takes two tokens per registration and records (slot, sub-id, issued before).</summary>
    private sealed class Probe : IEventSource<Unit, Unit, Unit>
    {
        internal readonly System.Collections.Generic.List<(int Slot, int SubId, int IssuedBefore)> Seen = [];

        public void Register(Poll poll, ref TokenFactory tokenFactory) => Take(ref tokenFactory);

        public void Reregister(Poll poll, ref TokenFactory tokenFactory) => Take(ref tokenFactory);

        public void Unregister(Poll poll)
        {
        }

        public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
            where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct => PostAction.Continue;

        private void Take(ref TokenFactory factory)
        {
            for (int i = 0; i < 2; i++)
            {
                int before = factory.Issued;
                Token token = factory.NextToken();
                Seen.Add((token.Slot, token.SubId, before));
            }
        }
    }
}
