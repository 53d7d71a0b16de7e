using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Prompts;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Datasets;
using Marten;
using MassTransit;

namespace CaiEvents.Workers.Submission;

/// <summary>What a user asks for when starting a run. <paramref name="RunId"/>: the id to write the run under (a
/// re-run of an interrupted submit names the run it continues); a new id when null.</summary>
public sealed record RunRequest(
    IReadOnlyList<PromptRecord> Prompts,
    string PromptSource,
    Constitution Constitution,
    string ConstitutionSource,
    int Revisions,
    long Seed,
    string GeneratorModel,
    string CriticModel,
    string ReviserModel,
    SamplingParameters Sampling,
    FeedbackConfiguration? Feedback = null,
    bool RunSlStage = true,
    Guid? RunId = null);

/// <summary>
/// Starts a run in chunks, so its size costs neither one huge transaction nor one huge event: <see cref="RunStarted"/>
/// (configuration, full constitution text, prompt-set hash and counts) in a transaction of its own, then the prompts
/// <see cref="SubmissionOptions.ChunkSize"/> (1,000) at a time, each chunk's item streams (<see cref="PromptSubmitted"/>,
/// <see cref="ComparisonSubmitted"/>) in one transaction, followed by its first commands. Workers start on the early
/// chunks while later ones are written; the run cannot complete before its last chunk is in, since its item count is
/// fixed by <see cref="RunStarted"/> and unwritten items are not settled.
/// <para>Item ids are name-based (run id + prompt index) and chunks are written in order, so a submit killed at any
/// point and run again with the same run id and inputs finds the first prompt without a stream, re-sends the first
/// commands of the last chunk written (its sends may not all have gone out; consumers ignore duplicates) and goes on:
/// no prompt is lost or doubled.</para>
/// </summary>
public sealed class RunSubmitter(IDocumentStore store, ISendEndpointProvider bus, TimeProvider clock, SubmissionOptions options)
{
    public const int MaxRevisions = 16;

    private int ChunkSize => options.ChunkSize;

    public static RunConfiguration Configure(RunRequest request) => new(
        request.Revisions, request.Seed, request.PromptSource, PromptSetHash(request.Prompts),
        request.GeneratorModel, request.CriticModel, request.ReviserModel,
        request.Sampling, request.Sampling, request.Sampling, PromptFormat.TemplateVersion, request.Feedback, request.RunSlStage);

    /// <summary>Writes the run chunk by chunk, sending each chunk's first commands once it is committed.</summary>
    /// <param name="started">Called with the run id once <see cref="RunStarted"/> is committed (before any prompt).</param>
    public async Task<Guid> SubmitAsync(RunRequest request, string submittedBy, CancellationToken ct, Action<Guid>? started = null)
    {
        var run = await StartAsync(request, submittedBy, ct);
        started?.Invoke(run.RunId);
        await WritePromptsAsync(run, request, submittedBy, send: true, ct);
        return run.RunId;
    }

    /// <summary>Writes the run and all its item streams (in chunks) and sends nothing.</summary>
    public async Task<Guid> WriteAsync(RunRequest request, string submittedBy, CancellationToken ct)
    {
        var run = await StartAsync(request, submittedBy, ct);
        await WritePromptsAsync(run, request, submittedBy, send: false, ct);
        return run.RunId;
    }

    /// <summary>Writes <see cref="RunStarted"/>, or checks that an existing run of that id was started from the same inputs.</summary>
    private async Task<RunStarted> StartAsync(RunRequest request, string submittedBy, CancellationToken ct)
    {
        if (request.Revisions is < 1 or > MaxRevisions)
            throw new ArgumentOutOfRangeException(nameof(request), $"revisions must be between 1 and {MaxRevisions}, got {request.Revisions}");
        if (request.Prompts.Count == 0) throw new ArgumentException("a run needs at least one prompt", nameof(request));
        if (!request.RunSlStage && request.Feedback is null)
            throw new ArgumentException("a run needs the SL stage, the RL labelling stage, or both", nameof(request));

        var runId = request.RunId ?? Guid.NewGuid();
        var configuration = Configure(request);
        var constitution = new ConstitutionSnapshot(request.Constitution.Id, request.Constitution.Version,
            request.Constitution.ContentHash, request.ConstitutionSource, request.Constitution.SourceText);
        var started = new RunStarted(runId, configuration, constitution, request.RunSlStage ? request.Prompts.Count : 0, [], submittedBy,
            clock.GetUtcNow(), PairIds: null, PairCount: request.Feedback is null ? 0 : request.Prompts.Count);

        // The run id is fixed before the first attempt, so a retry after a commit whose reply was lost (PostgreSQL
        // restarting at that moment) finds the run already written and writes nothing: exactly one run either way.
        return await Resilience.Create().ExecuteAsync(async token =>
        {
            await using var session = store.LightweightSession();
            if (await session.Events.FetchStreamAsync(runId, version: 1, token: token) is [{ Data: RunStarted existing }])
                return SameRun(existing, started);
            session.Events.StartStream<RunState>(runId, started);
            await session.SaveChangesAsync(token);
            return started;
        }, ct);
    }

    /// <summary>An existing run may only be continued with the inputs it was started from.</summary>
    private static RunStarted SameRun(RunStarted existing, RunStarted requested)
    {
        static string Json(object value) => JsonSerializer.Serialize(value);
        var same = existing.SampleCount == requested.SampleCount && existing.ComparisonCount() == requested.ComparisonCount()
            && Json(existing.Configuration) == Json(requested.Configuration)
            && existing.Constitution.ContentHash == requested.Constitution.ContentHash;
        return same ? existing : throw new InputException("--run-id", null,
            $"run {existing.RunId} was started from other prompts, constitution or settings (prompt set {existing.Configuration.PromptSetHash[..12]}, "
            + $"{existing.SampleCount} sample(s), {existing.ComparisonCount()} comparison(s)); continue it with the same inputs, or leave out --run-id");
    }

    /// <summary>
    /// Writes the prompts from the first one without a stream, a chunk per transaction; with
    /// <paramref name="send"/>, re-sends the first commands of the last chunk already written, then sends each new chunk's.
    /// </summary>
    private async Task WritePromptsAsync(RunStarted run, RunRequest request, string submittedBy, bool send, CancellationToken ct)
    {
        var pipeline = Resilience.Create();
        var total = request.Prompts.Count;
        var next = await pipeline.ExecuteAsync(async token => await FirstUnwrittenAsync(run, total, token), ct);
        if (send && next > 0) await ResendAsync(run, Math.Max(0, next - ChunkSize), next, ct);
        for (var first = next; first < total; first += ChunkSize)
        {
            var count = Math.Min(ChunkSize, total - first);
            var items = Chunk(run, request, first, count, submittedBy);
            await pipeline.ExecuteAsync(async token =>
            {
                await using var session = store.LightweightSession();
                // A retry after a commit whose reply was lost finds the chunk written: chunks commit whole.
                if (await session.Events.FetchStreamStateAsync(ProbeId(run, first), token) is not null) return;
                foreach (var (id, submitted, _) in items) session.Events.StartStream(ItemType(submitted), id, submitted);
                await session.SaveChangesAsync(token);
            }, ct);
            if (send) await SendAllAsync(bus, items.Select(i => i.FirstCommand).OfType<object>(), ct);
        }
    }

    /// <summary>The stream whose existence says prompt <paramref name="index"/> is written (its sample, else its comparison).</summary>
    private static Guid ProbeId(RunStarted run, int index) =>
        run.SampleCount > 0 ? DeterministicIds.Sample(run.RunId, index) : DeterministicIds.Pair(run.RunId, index);

    private static Type ItemType(object submitted) => submitted is PromptSubmitted ? typeof(SampleState) : typeof(ComparisonState);

    /// <summary>
    /// The index of the first prompt without a stream. Chunks are written in order and each commits whole, so the written
    /// prompts are a prefix: a binary search over stream existence finds its end in log2(prompts) lookups by id.
    /// </summary>
    private async Task<int> FirstUnwrittenAsync(RunStarted run, int total, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        int low = 0, high = total;
        while (low < high)
        {
            var middle = low + (high - low) / 2;
            if (await session.Events.FetchStreamStateAsync(ProbeId(run, middle), ct) is null) high = middle;
            else low = middle + 1;
        }
        return low;
    }

    /// <summary>Re-sends what the written prompts in [<paramref name="from"/>, <paramref name="to"/>) need next.</summary>
    private async Task ResendAsync(RunStarted run, int from, int to, CancellationToken ct)
    {
        var commands = await Resilience.Create().ExecuteAsync(async token =>
        {
            await using var session = store.QuerySession();
            var indexes = Enumerable.Range(from, to - from).ToList();
            var samples = run.SampleCount == 0 ? []
                : await session.LoadManyAsync<SampleState>(token, indexes.Select(i => DeterministicIds.Sample(run.RunId, i)));
            var pairs = run.ComparisonCount() == 0 ? []
                : await session.LoadManyAsync<ComparisonState>(token, indexes.Select(i => DeterministicIds.Pair(run.RunId, i)));
            return samples.Select(s => SlDecider.NextCommand(s, run.Configuration.Revisions))
                .Concat(pairs.Select(RlDecider.NextCommand)).OfType<object>().ToList();
        }, ct);
        await SendAllAsync(bus, commands, ct);
    }

    /// <summary>The item-stream events of prompts [first, first + count), each with the command that starts it.</summary>
    private List<(Guid Id, object Submitted, object? FirstCommand)> Chunk(RunStarted run, RunRequest request, int first, int count, string submittedBy)
    {
        var now = clock.GetUtcNow();
        var (runId, constitution, configuration) = (run.RunId, run.Constitution, run.Configuration);
        var items = new List<(Guid, object, object?)>(count * 2);
        for (var i = first; i < first + count; i++)
        {
            var p = request.Prompts[i];
            if (run.ComparisonCount() > 0)
            {
                var pairId = DeterministicIds.Pair(runId, i);
                var provenance = new Provenance(runId, pairId, DeterministicIds.Step(pairId, ComparisonSteps.Submitted), runId, runId,
                    WorkerRoles.Submitter, submittedBy, null, null, constitution.Id, constitution.ContentHash, null,
                    configuration.Feedback!.FeedbackTemplateVersion, null, configuration.Seed, now);
                var submitted = new ComparisonSubmitted(pairId, runId, i, p.Id, p.Prompt, request.PromptSource, p.LineNumber, provenance);
                items.Add((pairId, submitted, RlDecider.NextCommand(ComparisonState.Start(submitted))));
            }
            if (run.SampleCount > 0)
            {
                var sampleId = DeterministicIds.Sample(runId, i);
                var provenance = new Provenance(runId, sampleId, DeterministicIds.Step(sampleId, StepNames.Prompt), runId, runId,
                    WorkerRoles.Submitter, submittedBy, null, null, constitution.Id, constitution.ContentHash, null,
                    configuration.PromptTemplateVersion, null, configuration.Seed, now);
                var submitted = new PromptSubmitted(sampleId, runId, i, p.Id, p.Kind, p.Prompt, request.PromptSource, p.LineNumber, provenance);
                items.Add((sampleId, submitted, SlDecider.NextCommand(SampleState.Start(submitted), configuration.Revisions)));
            }
        }
        return items;
    }

    /// <summary>Sends the next command of every unsettled sample and comparison of a run, a batch at a time; returns how many were sent.</summary>
    public Task<int> ResumeAsync(Guid runId, CancellationToken ct, int batchSize = RunItemBatches.DefaultBatchSize) =>
        NextCommandSender.SendAsync(store, bus, runId, retriedOnly: false, batchSize, ct);

    /// <summary>Sends that may wait for their broker confirmation at once when a run starts (one at a time, the confirmation
    /// round trips alone held back the first steps of a large run).</summary>
    public const int ParallelSends = 16;

    /// <summary>
    /// Sends commands to their queues, up to <see cref="ParallelSends"/> at once, each retried while the broker is
    /// unreachable (consumers ignore duplicates). Returns once every command is confirmed; the order is not kept.
    /// </summary>
    public static async Task SendAllAsync(ISendEndpointProvider bus, IEnumerable<object> commands, CancellationToken ct)
    {
        var pipeline = Resilience.Create();
        await Parallel.ForEachAsync(commands, new ParallelOptions { MaxDegreeOfParallelism = ParallelSends, CancellationToken = ct }, async (next, token) =>
            await pipeline.ExecuteAsync(async inner =>
            {
                var endpoint = await bus.GetSendEndpoint(CommandQueues.AddressFor(next));
                await endpoint.Send(next, next.GetType(), inner);
            }, token));
    }

    /// <summary>
    /// sha256 over the prompts as submitted, so two runs on the same set are recognisable: the lowercase hex digest of the
    /// UTF-8 JSON array that holds, per prompt in file order, the array [id, kind or "", prompt text] (System.Text.Json's
    /// default escaping). Documented in docs/running-at-scale.md.
    /// </summary>
    /// <remarks>The JSON is serialised straight into the hash, a buffer at a time: the set is never one string in memory.</remarks>
    public static string PromptSetHash(IReadOnlyList<PromptRecord> prompts)
    {
        using var sha256 = SHA256.Create();
        using (var hashing = new CryptoStream(Stream.Null, sha256, CryptoStreamMode.Write, leaveOpen: true))
            JsonSerializer.Serialize(hashing, prompts.Select(p => new[] { p.Id, p.Kind ?? "", p.Prompt }));
        return Convert.ToHexStringLower(sha256.Hash!);
    }
}
