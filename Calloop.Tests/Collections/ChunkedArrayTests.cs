using Calloop.Collections;
using NUnit.Framework;

namespace Calloop.Tests.Collections;

public class ChunkedArrayTests
{
    private struct Wide
    {
        public long A;
        public long B;
        public int C;
    }

    [Test]
    public void GrowingPastManyChunksKeepsEveryElement()
    {
        var array = new ChunkedArray<Wide>(16);
        int used = 0;
        // 24-byte elements: 32 768 per 1 MiB chunk, so 200 000 elements span seven chunks.
        for (int i = 0; i < 200_000; i++)
        {
            if (used == array.Capacity)
            {
                int before = array.Capacity;
                array.Grow();
                Assert.That(array.Capacity, Is.GreaterThan(before));
            }
            ref Wide slot = ref array[used++];
            slot.A = i;
            slot.B = -i;
            slot.C = i * 3;
        }
        for (int i = 0; i < used; i++)
        {
            Wide w = array[i];
            Assert.That((w.A, w.B, w.C), Is.EqualTo(((long)i, (long)-i, i * 3)), $"element {i}");
        }
    }

    [Test]
    public void AWriteThroughTheIndexerIsSeenByLaterReads()
    {
        var array = new ChunkedArray<long>(4);
        while (array.Capacity < 300_000)
        {
            array.Grow();
        }
        array[299_999] = 42;
        array[0] = 7;
        Assert.That((array[299_999], array[0], array[150_000]), Is.EqualTo((42L, 7L, 0L)));
    }
}
