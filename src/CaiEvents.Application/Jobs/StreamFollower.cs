using Marten;

namespace CaiEvents.Application.Jobs;

/// <summary>
/// Follows a job or a run that other code (a role in this process or a worker elsewhere) writes, to its end: polls,
/// hands what is new to the caller, stops on a final or failed state, and turns running out of time into a
/// <see cref="TimeoutException"/> with the caller's text. The one polling loop of the application layer.
/// </summary>
public static class StreamFollower
{
    /// <summary>Polls a snapshot until <paramref name="settle"/> returns a result (it throws when the followed thing failed).</summary>
    /// <param name="timeoutMessage">The timeout's text, given the last snapshot (default before the first poll).</param>
    public static async Task<TResult> FollowAsync<TSnapshot, TResult>(Func<CancellationToken, Task<TSnapshot>> poll, Func<TSnapshot, TResult?> settle,
        FollowTiming timing, Func<TSnapshot?, string> timeoutMessage, CancellationToken ct) where TResult : class
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timing.Timeout);
        TSnapshot? last = default;

        async Task WaitAsync()
        {
            try
            {
                await Task.Delay(timing.PollInterval, limit.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException(timeoutMessage(last));
            }
        }

        if (timing.WaitBeforeFirstPoll) await WaitAsync();
        while (true)
        {
            last = await poll(ct);
            if (settle(last) is { } result) return result;
            if (limit.IsCancellationRequested && !ct.IsCancellationRequested) throw new TimeoutException(timeoutMessage(last));
            await WaitAsync();
        }
    }

    /// <summary>
    /// Follows an event stream: on each poll the first failure event ends the wait with its exception, every event not
    /// handed out yet goes to <paramref name="onEvent"/> in stream order, and the first final event is the result.
    /// </summary>
    public static Task<TFinal> FollowEventsAsync<TFinal>(Func<CancellationToken, Task<IReadOnlyList<object>>> readStream, Func<object, Exception?> failure,
        Func<object, TFinal?> final, Action<object> onEvent, FollowTiming timing, Func<string> timeoutMessage, CancellationToken ct) where TFinal : class
    {
        var handed = 0;
        return FollowAsync(readStream, events =>
        {
            if (events.Select(failure).FirstOrDefault(e => e is not null) is { } failed) throw failed;
            for (; handed < events.Count; handed++) onEvent(events[handed]);
            return events.Select(final).FirstOrDefault(f => f is not null);
        }, timing, _ => timeoutMessage(), ct);
    }

    /// <summary><c>FollowEventsAsync</c> on a job's stream in the event store.</summary>
    public static Task<TFinal> FollowJobAsync<TFinal>(IDocumentStore store, Guid streamId, Func<object, Exception?> failure, Func<object, TFinal?> final,
        Action<object> onEvent, FollowTiming timing, Func<string> timeoutMessage, CancellationToken ct) where TFinal : class =>
        FollowEventsAsync(async token =>
        {
            await using var query = store.QuerySession();
            return (IReadOnlyList<object>)(await query.Events.FetchStreamAsync(streamId, token: token)).Select(e => e.Data).ToList();
        }, failure, final, onEvent, timing, timeoutMessage, ct);
}
