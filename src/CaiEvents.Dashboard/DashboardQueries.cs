using System.Collections.Concurrent;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Dashboard.Charts;
using CaiEvents.Dashboard.Jobs;
using CaiEvents.Dashboard.Rates;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Audit;
using JasperFx.Events;
using Marten;

namespace CaiEvents.Dashboard;

/// <summary>
/// The dashboard's views, each built from one query session over the inline read models and streams
/// (the same queries `cai status` and `cai audit` use). A completed run no longer changes, so its per-role
/// progress and whole-run throughput are computed once and kept.
/// </summary>
public sealed class DashboardQueries(IDocumentStore store, QueueDepths queues, DashboardOptions options, TimeProvider clock, ThroughputQueries throughput,
    JobQueries jobQueries)
{
    private const int ListedRuns = 50;
    /// <summary>Items per page of a run's samples and comparisons, unless the request asks for fewer.</summary>
    public const int ItemsPerPage = 100;
    public const int MaxItemsPerPage = 500;
    private readonly ConcurrentDictionary<Guid, IReadOnlyList<RoleProgress>> _completedRoles = new();
    private readonly ConcurrentDictionary<Guid, Throughput> _completedThroughput = new();
    private readonly ConcurrentDictionary<(Guid, DateTimeOffset), Chart> _completedThroughputCharts = new();

    /// <summary>
    /// The latest runs with their progress: per run a few index-only counts and sums (<see cref="RunQueries"/>), never its
    /// items, so a refresh costs the same for runs of a thousand or of two hundred thousand prompts.
    /// </summary>
    public async Task<object> RunsAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var runs = await session.Query<RunState>().OrderByDescending(r => r.StartedAt).Take(ListedRuns).ToListAsync(ct);
        var rows = new List<object>();
        foreach (var run in runs)
        {
            var progress = await RunQueries.CountByStatusAsync(session, run.Id, ct);
            var roles = await RolesAsync(session, run, progress, ct);
            rows.Add(new
            {
                id = run.Id, startedAt = run.StartedAt, completed = run.Completed, completedAt = run.CompletedAt,
                samples = run.SampleCount, comparisons = run.PairCount, items = run.ItemCount, written = progress.Written,
                settled = progress.Settled, failed = progress.Failed + progress.PairsFailed, roles,
            });
        }
        return new { runs = rows, listed = ListedRuns };
    }

    /// <summary>
    /// One run: its configuration, progress, roles, throughput, failures, and one page of its samples and comparisons
    /// (prompts [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="limit"/>), loaded by id).
    /// </summary>
    public async Task<object?> RunAsync(Guid runId, CancellationToken ct, int offset = 0, int limit = ItemsPerPage)
    {
        await using var session = store.QuerySession();
        var run = await RunQueries.LoadRunAsync(session, runId, ct);
        if (run is null) return null;
        (offset, limit) = (Math.Max(offset, 0), Math.Clamp(limit, 1, MaxItemsPerPage));
        var samples = await RunQueries.SamplesPageAsync(session, run, offset, limit, ct);
        var comparisons = await RunQueries.ComparisonsPageAsync(session, run, offset, limit, ct);
        var failedSamples = await RunQueries.FailedSamplesAsync(session, runId, ct);
        var failedComparisons = await RunQueries.FailedComparisonsAsync(session, runId, ct);
        var progress = await RunQueries.CountByStatusAsync(session, runId, ct);
        var roles = await RolesAsync(session, run, progress, ct);
        var now = clock.GetUtcNow();
        var lastMinute = await throughput.WindowAsync(run, now - options.ThroughputWindow, now, ct);
        Throughput? wholeRun = null;
        if (run.Completed && !_completedThroughput.TryGetValue(run.Id, out wholeRun))
        {
            wholeRun = await throughput.WindowAsync(run, run.StartedAt, run.CompletedAt ?? now, ct);
            _completedThroughput.TryAdd(run.Id, wholeRun);
        }
        var config = run.Configuration;
        var failures = failedSamples
            .Select(s => new
            {
                kind = "sample", id = s.Id, index = s.Index, promptId = s.PromptId, step = s.FailedStep, error = $"{s.FailureType}: {s.FailureMessage}",
            })
            .Concat(failedComparisons
                .Select(c => new
                {
                    kind = "comparison", id = c.Id, index = c.Index, promptId = c.PromptId, step = c.FailedStep,
                    error = $"{c.FailureType}: {c.FailureMessage}",
                }))
            .ToList();
        return new
        {
            run = new
            {
                id = run.Id, startedAt = run.StartedAt, completed = run.Completed, completedAt = run.CompletedAt,
                samples = run.SampleCount, comparisons = run.PairCount, items = run.ItemCount, written = progress.Written,
                revisions = config.Revisions, seed = config.Seed, promptSource = config.PromptSource, slStage = config.RunSlStage,
                models = new
                {
                    generator = config.GeneratorModel, critic = config.CriticModel, reviser = config.ReviserModel,
                    policy = config.Feedback?.PolicyModel, feedback = config.Feedback?.FeedbackModel,
                },
                labelMode = config.Feedback?.Mode, principlesPerLabel = config.Feedback?.PrinciplesPerLabel,
                constitution = $"{run.Constitution.Id} v{run.Constitution.Version} ({run.Constitution.ContentHash[..12]})",
            },
            progress = new
            {
                progress.Submitted, progress.Responded, progress.Finalized, progress.Failed,
                progress.PairsPending, progress.Labelled, progress.PairsFailed, progress.Settled, progress.Written,
            },
            roles,
            throughput = new { lastMinute, wholeRun },
            throughputChart = await ThroughputChartAsync(run, ct),
            queues = await queues.ReadAsync(ct),
            jobs = await jobQueries.JobsOfRunAsync(runId, ct),
            failures,
            samples = samples.Select(s => new
            {
                id = s.Id, index = s.Index, promptId = s.PromptId, status = s.Status, rounds = s.Rounds.Count(r => r.Revision is not null),
                prompt = Shorten(s.Prompt),
            }),
            comparisons = comparisons.Select(c => new
            {
                id = c.Id, index = c.Index, promptId = c.PromptId, status = c.Status, labelId = c.LabelId, probabilityA = c.ProbabilityA,
                prompt = Shorten(c.Prompt),
            }),
            page = new { offset, limit, items = run.PromptCount },
        };
    }

    /// <summary>Any stream's events in order, each described as `cai audit` describes it, with its provenance.</summary>
    public async Task<object?> TimelineAsync(Guid streamId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var events = await RunQueries.SampleEventsAsync(session, streamId, ct);
        if (events.Count == 0) return null;
        var first = events[0].Data;
        var (kind, runId) = first switch
        {
            PromptSubmitted p => ("sample", p.RunId),
            ComparisonSubmitted c => ("comparison", c.RunId),
            RunStarted r => ("run", r.RunId),
            PreferenceImported i => ("imported preference", i.RunId),
            _ => ("stream", Guid.Empty),
        };
        var labelId = events.Select(e => e.Data).OfType<PreferenceLabelled>().FirstOrDefault()?.LabelId;
        return new { id = streamId, kind, runId, labelId, events = events.Select(Entry) };
    }

    /// <summary>The audit chain of one label (the same <see cref="LabelAudit"/> as `cai audit label`).</summary>
    public async Task<object?> LabelAsync(Guid labelId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var chain = await LabelAudit.LoadAsync(session, labelId, ct);
        if (chain is null) return null;
        var (pair, label) = (chain.Pair, chain.Label!);
        return new
        {
            labelId, comparisonId = chain.Comparison.Id, runId = chain.Comparison.RunId,
            promptId = chain.Submitted.PromptId, prompt = chain.Submitted.Prompt, source = $"{chain.Submitted.PromptSource}:{chain.Submitted.SourceLine}",
            responses = pair is null ? null : new[] { Response("A", pair.A), Response("B", pair.B) },
            policy = pair is null ? null : Model(pair.Provenance),
            label = new
            {
                mode = label.Mode,
                judgements = label.Judgements.Select(j => new
                {
                    j.PrincipleId, principleText = chain.PrincipleTexts.GetValueOrDefault(j.PrincipleId), j.Order, j.RenderedPrompt, j.Reasoning,
                    j.LogProbOptionA, j.LogProbOptionB, j.ProbabilityFirstOption, j.ProbabilityA,
                }),
                label.AveragedProbabilityA, label.Clamped, label.ClampLow, label.ClampHigh, label.ProbabilityA,
                templateVersion = label.FeedbackTemplateVersion,
                feedback = Model(label.Provenance),
            },
            events = chain.Events.Select(Entry),
        };
    }

    /// <summary>Events per second per role over the run, for the run page's chart and its own endpoint; null when the run does not exist.</summary>
    public async Task<Chart?> ThroughputChartAsync(Guid runId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await RunQueries.LoadRunAsync(session, runId, ct) is { } run ? await ThroughputChartAsync(run, ct) : null;
    }

    private async Task<Chart> ThroughputChartAsync(RunState run, CancellationToken ct)
    {
        if (run is { Completed: true, CompletedAt: { } done } && _completedThroughputCharts.TryGetValue((run.Id, done), out var cached)) return cached;
        var chart = await throughput.SeriesAsync(run, ct);
        if (run is { Completed: true, CompletedAt: { } completedAt }) _completedThroughputCharts.TryAdd((run.Id, completedAt), chart);
        return chart;
    }

    /// <summary>Per-role progress from the status counts, the rounds of samples in flight and the failed items; kept once a run completed.</summary>
    private async Task<IReadOnlyList<RoleProgress>> RolesAsync(IQuerySession session, RunState run, RunProgress progress, CancellationToken ct)
    {
        if (_completedRoles.TryGetValue(run.Id, out var cached)) return cached;
        var inFlight = progress.Responded == 0 ? new RoundsInFlight(0, 0) : await RunQueries.RoundsInFlightAsync(session, run.Id, ct);
        var failedSamples = progress.Failed == 0 ? [] : await RunQueries.FailedSamplesAsync(session, run.Id, ct);
        var failedComparisons = progress.PairsFailed == 0 ? [] : await RunQueries.FailedComparisonsAsync(session, run.Id, ct);
        var roles = RunActivity.RoleProgressOf(run, progress, inFlight, failedSamples, failedComparisons);
        if (run.Completed) _completedRoles.TryAdd(run.Id, roles);
        return roles;
    }

    private static object Entry(IEvent e)
    {
        var d = EventDescriptions.Describe(e.Data);
        return new
        {
            sequence = e.Sequence, version = e.Version, type = e.EventType.Name, timestamp = e.Timestamp,
            title = d.Title, fields = d.Fields, provenance = d.Provenance,
        };
    }

    private static object Response(string option, PairedResponse r) => new { option, responseId = r.ResponseId, text = r.Text, seed = r.Seed };

    private static object Model(Provenance p) => new
    {
        modelId = p.ModelId, checkpoint = p.CheckpointHash, worker = $"{p.WorkerRole} {p.WorkerInstance}",
        recordedAt = p.RecordedAt, sampling = p.Sampling, seed = p.Seed,
        stepId = p.StepId, causationId = p.CausationId,
    };

    private static string Shorten(string text) => text.Length <= 90 ? text : text[..87] + "...";
}
