using System.Text.Json;
using System.Text.Json.Serialization;
using CaiEvents.Contracts.Events;
using CaiEvents.Dashboard.Charts;
using Marten;

namespace CaiEvents.Dashboard.Jobs;

/// <summary>
/// The jobs list and a job's page. The list reads, in two aggregating queries, only each job's start, checkpoint, epoch and
/// failure events and a count of its PPO steps (never every step); a job's page reads that one stream.
/// </summary>
public sealed class JobQueries(IDocumentStore store, EventSql sql)
{
    private const int ListedJobs = 200;

    // Marten's names for the event types (snake case of the type name), which the SQL filters on.
    private static readonly Dictionary<string, Type> SummaryEvents = new(StringComparer.Ordinal)
    {
        ["policy_training_started"] = typeof(PolicyTrainingStarted),
        ["policy_checkpointed"] = typeof(PolicyCheckpointed),
        ["policy_training_failed"] = typeof(PolicyTrainingFailed),
        ["preference_model_training_started"] = typeof(PreferenceModelTrainingStarted),
        ["epoch_completed"] = typeof(EpochCompleted),
        ["preference_model_checkpointed"] = typeof(PreferenceModelCheckpointed),
        ["preference_model_training_failed"] = typeof(PreferenceModelTrainingFailed),
        ["ppo_started"] = typeof(PpoStarted),
        ["ppo_failed"] = typeof(PpoFailed),
    };

    // The first event of each kind of job, which names the run its data came from.
    private static readonly string[] StartEvents = ["policy_training_started", "preference_model_training_started", "ppo_started"];

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    public async Task<object> JobsAsync(CancellationToken ct) => new { jobs = await SummariesAsync(null, ct), listed = ListedJobs };

    /// <summary>
    /// The jobs whose data came from run <paramref name="runId"/>: SL-CAI fine-tuning on its SL examples, a preference model on its labels
    /// (or its imported human comparisons, mixed in with --human), PPO on its prompts.
    /// </summary>
    public Task<IReadOnlyList<JobSummary>> JobsOfRunAsync(Guid runId, CancellationToken ct) => SummariesAsync(runId, ct);

    private async Task<IReadOnlyList<JobSummary>> SummariesAsync(Guid? runId, CancellationToken ct)
    {
        // The type names go as one array parameter (cast to object, or they would become the params array itself).
        var ofRun = runId is null ? ""
            : $" and stream_id in (select stream_id from {sql.Schema}.mt_events where type = any($2) and not is_archived "
              + "and (data ->> 'RunId' = $3 or data -> 'HyperParameters' ->> 'HumanRunId' = $3))";
        object[] parameters = runId is { } id ? [SummaryEvents.Keys.ToArray(), StartEvents, id.ToString()] : [SummaryEvents.Keys.ToArray()];
        var rows = await sql.QueryAsync(
            // A PM job's start lists every pair's source when human comparisons are mixed in: the list does not need them.
            $"select stream_id, type, (data - 'Sources')::text from {sql.Schema}.mt_events where type = any($1) and not is_archived{ofRun} "
            + "order by stream_id, version",
            r => (Id: r.GetGuid(0), Type: r.GetString(1), Json: r.GetString(2)), ct, parameters);
        var ids = rows.Select(r => r.Id).Distinct().ToArray();
        var steps = (await sql.QueryAsync(
                $"select stream_id, count(*) from {sql.Schema}.mt_events where type = 'policy_update_completed' and not is_archived "
                + "and stream_id = any($1) group by stream_id",
                r => (Id: r.GetGuid(0), Count: (int)r.GetInt64(1)), ct, (object)ids))
            .ToDictionary(x => x.Id, x => x.Count);
        return rows.GroupBy(r => r.Id)
            .Select(g => JobOverview.Of(g.Key, g.Select(r => JsonSerializer.Deserialize(r.Json, SummaryEvents[r.Type], Json)!).ToList(),
                steps.GetValueOrDefault(g.Key)))
            .OfType<JobSummary>()
            .OrderByDescending(j => j.StartedAt ?? DateTimeOffset.MinValue)
            .Take(ListedJobs)
            .ToList();
    }

    /// <summary>A job's summary, settings and curves; null when the stream is not a job's.</summary>
    public async Task<object?> JobAsync(Guid jobId, CancellationToken ct)
    {
        var events = await EventsAsync(jobId, ct);
        var summary = JobOverview.Of(jobId, events, events.OfType<PolicyUpdateCompleted>().Select(u => u.Step).Distinct().Count());
        if (summary is null) return null;
        var lastPm = events.OfType<PreferenceModelCheckpointed>().LastOrDefault();
        var evaluation = events.OfType<PpoEvaluated>().LastOrDefault();
        return new
        {
            job = summary,
            settings = events.FirstOrDefault(e => e is PolicyTrainingStarted or PreferenceModelTrainingStarted or PpoStarted) switch
            {
                PreferenceModelTrainingStarted pm => pm with { Sources = null }, // one entry per pair: too long to show
                var first => first,
            },
            charts = JobCharts.Of(events),
            perPrincipleAccuracy = lastPm?.PerPrincipleAccuracy,
            reliability = lastPm?.HeldOutReliability is { } bins
                ? new { lastPm.Epoch, lastPm.TotalEpochs, lastPm.Path, lastPm.Sha256, lastPm.Ece, bins }
                : null,
            evaluation,
            // What the events do not carry is said on the page rather than drawn from elsewhere.
            reliabilityNote = summary.Kind != JobOverview.PreferenceModel || lastPm?.HeldOutReliability is not null ? null
                : lastPm is null ? "no checkpoint yet"
                : "the last checkpoint's event records the held-out ECE but not its calibration bins (it predates them), so no reliability diagram "
                  + "can be drawn from it",
            evaluationNote = summary.Kind != JobOverview.Ppo || evaluation is not null ? null
                : summary.State == "completed"
                    ? "the job's events record no start-versus-final evaluation (cai demo and cai ppo eval-job store one)"
                    : "recorded once the job has finished, when cai demo or cai ppo eval-job evaluates it",
        };
    }

    /// <summary>One chart of a job page, for its JSON endpoint; null when the job or the chart does not exist.</summary>
    public async Task<Chart?> ChartAsync(Guid jobId, string chartId, CancellationToken ct) =>
        JobCharts.Of(await EventsAsync(jobId, ct)).FirstOrDefault(c => c.Id == chartId);

    private async Task<IReadOnlyList<object>> EventsAsync(Guid jobId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return (await session.Events.FetchStreamAsync(jobId, token: ct)).Select(e => e.Data).ToList();
    }
}
