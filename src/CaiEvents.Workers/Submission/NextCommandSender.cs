using System.Linq.Expressions;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Datasets;
using Marten;
using MassTransit;

namespace CaiEvents.Workers.Submission;

/// <summary>
/// Sends the next command of a run's unsettled samples and comparisons, a batch of items at a time (<see cref="RunItemBatches"/>): each
/// batch is read, its commands sent and confirmed, then the next batch is read, so memory holds one batch whatever the run's size.
/// Consumers ignore a command whose step is already done, so sending again (a retried batch, a second call) changes nothing.
/// </summary>
public static class NextCommandSender
{
    /// <param name="retriedOnly">Only items retried at least once (what <c>retry-failed</c> sends after appending its retries).</param>
    /// <returns>How many commands were sent.</returns>
    public static Task<int> SendAsync(IDocumentStore store, ISendEndpointProvider bus, Guid runId, bool retriedOnly, int batchSize, CancellationToken ct) =>
        Resilience.Create().ExecuteAsync(async token =>
        {
            await using var session = store.QuerySession();
            var run = await RunQueries.LoadRunAsync(session, runId, token) ?? throw new ArgumentException($"run {runId} does not exist");
            Expression<Func<SampleState, bool>> unsettledSample = retriedOnly
                ? s => s.Retries > 0 && s.Status != SampleStatus.Finalized && s.Status != SampleStatus.Failed
                : s => s.Status != SampleStatus.Finalized && s.Status != SampleStatus.Failed;
            Expression<Func<ComparisonState, bool>> unsettledComparison = retriedOnly
                ? c => c.Retries > 0 && c.Status != ComparisonStatus.Labelled && c.Status != ComparisonStatus.Failed
                : c => c.Status != ComparisonStatus.Labelled && c.Status != ComparisonStatus.Failed;
            // A retried attempt sends every batch again: the count is that of the attempt that got through.
            var sent = 0;
            await foreach (var batch in RunItemBatches.SamplesAsync(session, runId, batchSize, token, unsettledSample))
                sent += await SendBatchAsync(bus, batch.Select(s => SlDecider.NextCommand(s, run.Configuration.Revisions)), token);
            await foreach (var batch in RunItemBatches.ComparisonsAsync(session, runId, batchSize, token, unsettledComparison))
                sent += await SendBatchAsync(bus, batch.Select(RlDecider.NextCommand), token);
            return sent;
        }, ct).AsTask();

    private static async Task<int> SendBatchAsync(ISendEndpointProvider bus, IEnumerable<object?> next, CancellationToken ct)
    {
        var commands = next.OfType<object>().ToList();
        await RunSubmitter.SendAllAsync(bus, commands, ct);
        return commands.Count;
    }
}
