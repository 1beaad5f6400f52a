using System;
using System.Collections.Generic;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

/// <summary>Random sequences of registry operations checked against a simple model.</summary>
public class RegistryModelTests
{
    private sealed class Model
    {
        public readonly List<int> Counts = [];
    }

    private sealed class Entry(int id, Ping ping, RegistrationToken token)
    {
        public int Id { get; } = id;
        public Ping Ping { get; } = ping;
        public RegistrationToken Token { get; } = token;
        public bool Enabled { get; set; } = true;
        public bool Pending { get; set; }
        public int Expected { get; set; }
    }

    [TestCase(11)]
    [TestCase(22)]
    [TestCase(33)]
    public void RandomInsertRemoveEnableDisableUpdateMatchTheModel(int seed)
    {
        var random = new Random(seed);
        using var loop = new EventLoop<Model>();
        LoopHandle<Model> handle = loop.Handle;
        var model = new Model();
        var live = new List<Entry>();
        var stale = new List<RegistrationToken>();
        var removed = new List<Entry>();

        for (int step = 0; step < 3000; step++)
        {
            int op = random.Next(100);
            if (op < 20 || live.Count == 0)
            {
                int id = model.Counts.Count;
                model.Counts.Add(0);
                var (ping, source) = Ping.Create();
                RegistrationToken token = handle.InsertSource(source, (_, ref _, ref m) => m.Counts[id]++);
                live.Add(new Entry(id, ping, token));
            }
            else if (op < 30)
            {
                Entry e = Take(live, random);
                handle.Remove(e.Token);
                stale.Add(e.Token);
                removed.Add(e);
            }
            else if (op < 40)
            {
                Entry e = live[random.Next(live.Count)];
                handle.Disable(e.Token);
                e.Enabled = false;
            }
            else if (op < 50)
            {
                Entry e = live[random.Next(live.Count)];
                handle.Enable(e.Token);
                e.Enabled = true;
            }
            else if (op < 55)
            {
                Entry e = live[random.Next(live.Count)];
                handle.Update(e.Token);
            }
            else if (op < 58 && stale.Count > 0)
            {
                RegistrationToken t = stale[random.Next(stale.Count)];
                Assert.Throws<ArgumentException>(() => handle.Enable(t));
            }
            else if (op < 80)
            {
                Entry e = live[random.Next(live.Count)];
                e.Ping.Send();
                e.Pending = true;
            }
            else
            {
                loop.Dispatch(TimeSpan.Zero, ref model);
                foreach (Entry e in live)
                {
                    if (e.Enabled && e.Pending)
                    {
                        e.Expected++;
                        e.Pending = false;
                    }
                }
                foreach (Entry e in live)
                {
                    Assert.That(model.Counts[e.Id], Is.EqualTo(e.Expected), $"source {e.Id} at step {step}");
                }
                foreach (Entry e in removed)
                {
                    Assert.That(model.Counts[e.Id], Is.EqualTo(e.Expected), $"removed source {e.Id} at step {step}");
                }
            }
            Assert.That(handle.SourceCount, Is.EqualTo(live.Count));
        }
        foreach (Entry e in live)
        {
            e.Ping.Dispose();
        }
        foreach (Entry e in removed)
        {
            e.Ping.Dispose();
        }
    }

    private static Entry Take(List<Entry> list, Random random)
    {
        int i = random.Next(list.Count);
        Entry e = list[i];
        list.RemoveAt(i);
        return e;
    }
}
