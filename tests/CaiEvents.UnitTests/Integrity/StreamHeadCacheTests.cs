using CaiEvents.EventStore.Integrity;

namespace CaiEvents.UnitTests.Integrity;

public class StreamHeadCacheTests
{
    private static readonly Guid Stream = Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301");

    [Fact]
    public void A_head_is_found_only_at_its_exact_version()
    {
        var cache = new StreamHeadCache(capacity: 10);
        cache.Remember(Stream, 3, "h3");
        Assert.Equal("h3", cache.HashAt(Stream, 3));
        Assert.Null(cache.HashAt(Stream, 2));
        Assert.Null(cache.HashAt(Stream, 4));
        Assert.Null(cache.HashAt(Guid.NewGuid(), 3));
    }

    [Fact]
    public void A_later_head_replaces_an_earlier_one_and_an_older_one_is_ignored()
    {
        var cache = new StreamHeadCache(capacity: 10);
        cache.Remember(Stream, 3, "h3");
        cache.Remember(Stream, 5, "h5");
        cache.Remember(Stream, 4, "h4");
        Assert.Equal("h5", cache.HashAt(Stream, 5));
        Assert.Null(cache.HashAt(Stream, 4));
    }

    [Fact]
    public void Past_its_capacity_it_forgets_and_starts_again()
    {
        var cache = new StreamHeadCache(capacity: 2);
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        cache.Remember(a, 1, "a");
        cache.Remember(b, 1, "b");
        cache.Remember(c, 1, "c");
        Assert.Null(cache.HashAt(a, 1));
        Assert.Equal("c", cache.HashAt(c, 1));
    }
}
