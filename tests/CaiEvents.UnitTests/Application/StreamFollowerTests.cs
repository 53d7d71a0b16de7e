using CaiEvents.Application.Jobs;

namespace CaiEvents.UnitTests.Application;

/// <summary>The one follower of jobs and runs: new events in order, the final event ends it, a failure or the timeout throws.</summary>
public class StreamFollowerTests
{
    private sealed record Progressed(int Step);

    private sealed record Finished(string Path);

    private sealed record Failed(string Reason);

    private static readonly FollowTiming Fast = new(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(10));

    /// <summary>A stream that grows by one event per poll, up to <paramref name="events"/>.</summary>
    private static Func<CancellationToken, Task<IReadOnlyList<object>>> Growing(params object[] events)
    {
        var polls = 0;
        return _ => Task.FromResult<IReadOnlyList<object>>(events.Take(Math.Min(++polls, events.Length)).ToList());
    }

    private static Task<Finished> Follow(Func<CancellationToken, Task<IReadOnlyList<object>>> stream, List<object> seen, FollowTiming timing,
        CancellationToken ct = default) =>
        StreamFollower.FollowEventsAsync(stream,
            e => e is Failed f ? new InvalidOperationException(f.Reason) : null,
            e => e as Finished,
            seen.Add, timing, () => "job did not finish in time", ct);

    [Fact]
    public async Task A_stream_that_completes_hands_each_event_once_in_order_and_returns_the_final_event()
    {
        var seen = new List<object>();
        var final = await Follow(Growing(new Progressed(1), new Progressed(2), new Finished("ckpt")), seen, Fast);
        Assert.Equal("ckpt", final.Path);
        Assert.Equal([new Progressed(1), new Progressed(2), new Finished("ckpt")], seen);
    }

    [Fact]
    public async Task A_stream_that_fails_throws_the_failure_event_s_exception()
    {
        var seen = new List<object>();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Follow(Growing(new Progressed(1), new Failed("out of memory")), seen, Fast));
        Assert.Equal("out of memory", e.Message);
        Assert.Equal([new Progressed(1)], seen); // the failure is not handed out as progress
    }

    [Fact]
    public async Task A_stream_that_never_ends_times_out_with_the_caller_s_text()
    {
        var seen = new List<object>();
        var e = await Assert.ThrowsAsync<TimeoutException>(() =>
            Follow(Growing(new Progressed(1)), seen, new FollowTiming(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(100))));
        Assert.Equal("job did not finish in time", e.Message);
        Assert.Equal([new Progressed(1)], seen);
    }

    [Fact]
    public async Task A_timeout_while_waiting_before_the_first_poll_is_a_timeout_too()
    {
        var e = await Assert.ThrowsAsync<TimeoutException>(() =>
            Follow(Growing(new Finished("never read")), [],
                new FollowTiming(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50), WaitBeforeFirstPoll: true)));
        Assert.Equal("job did not finish in time", e.Message);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_a_timeout()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Follow(Growing(new Progressed(1)), [], Fast, cancel.Token));
    }

    [Fact]
    public async Task A_snapshot_follower_reports_every_poll_and_names_the_last_snapshot_on_timeout()
    {
        var polls = 0;
        var shown = new List<int>();
        var e = await Assert.ThrowsAsync<TimeoutException>(() => StreamFollower.FollowAsync<int, string>(
            _ => Task.FromResult(++polls),
            n =>
            {
                shown.Add(n);
                return null;
            },
            new FollowTiming(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(100)), last => $"stopped at poll {last}", default));
        Assert.Equal(Enumerable.Range(1, polls), shown);
        Assert.Equal($"stopped at poll {polls}", e.Message);
    }
}
