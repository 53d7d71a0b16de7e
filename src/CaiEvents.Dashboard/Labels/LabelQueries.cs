using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using CaiEvents.Dashboard.Charts;
using CaiEvents.Domain.Evaluation;
using CaiEvents.EventStore;
using Marten;

namespace CaiEvents.Dashboard.Labels;

/// <summary>
/// The label analysis of a run: one query reads, for each of the run's labels, only its ids, its P(A) and each question's
/// principle, order and two probabilities (not the rendered prompts). A completed run's analysis is kept until it completes again.
/// </summary>
public sealed class LabelQueries(IDocumentStore store, EventSql sql)
{
    private readonly ConcurrentDictionary<(Guid, DateTimeOffset), object> _completed = new();

    public async Task<object?> AnalysisAsync(Guid runId, CancellationToken ct)
    {
        RunState? run;
        await using (var session = store.QuerySession())
            run = await RunQueries.LoadRunAsync(session, runId, ct);
        if (run is null) return null;
        if (run is { Completed: true, CompletedAt: { } done } && _completed.TryGetValue((runId, done), out var cached)) return cached;
        var labels = await LabelsAsync(runId, ct);
        var points = LabelCharts.PositionBias(labels);
        // Per-principle statistics and agreement are those of `cai report labels` (LabelReportMath); these labels have no human choices.
        var numbers = LabelReportMath.Build(
            labels.SelectMany(l => l.Judgements.Select(j => new LabelledJudgement(l.PairId, j.PrincipleId, j.Order, j.ProbabilityA))).ToList(),
            labels.Select(l => l.ProbabilityA).ToList(), []);
        var analysis = new
        {
            runId, completed = run.Completed, labels = labels.Count, comparisons = run.PairCount,
            principles = numbers.Principles, agreements = numbers.Agreements,
            numbers.NearHalfMargin, numbers.ShareNearHalf, numbers.MeanPositionBias, numbers.MaxPositionBias,
            charts = new[] { LabelCharts.Histogram(labels.Select(l => l.ProbabilityA).ToList()), LabelCharts.PositionBiasChart(points) },
            positionBias = points,
            nearestHalf = LabelCharts.NearestHalf(labels).Select(l => new { l.LabelId, l.ComparisonId, l.ProbabilityA }),
        };
        if (run is { Completed: true, CompletedAt: { } completedAt }) _completed.TryAdd((runId, completedAt), analysis);
        return analysis;
    }

    /// <summary>One chart of the label page, for its JSON endpoint; null when the run or the chart does not exist.</summary>
    public async Task<Chart?> ChartAsync(Guid runId, string chartId, CancellationToken ct)
    {
        var labels = await LabelsAsync(runId, ct);
        return chartId switch
        {
            "label-histogram" => LabelCharts.Histogram(labels.Select(l => l.ProbabilityA).ToList()),
            "position-bias" => LabelCharts.PositionBiasChart(LabelCharts.PositionBias(labels)),
            _ => null,
        };
    }

    private async Task<IReadOnlyList<LabelRow>> LabelsAsync(Guid runId, CancellationToken ct)
    {
        var s = sql.Schema;
        // Probabilities travel as the JSON text Marten stored (shortest round-trip form), so parsing them gives the stored doubles.
        return await sql.QueryAsync(
            $"""
             select e.data->>'LabelId', e.stream_id, e.data->>'PairId', e.data->>'ProbabilityA',
                    (select jsonb_agg(jsonb_build_array(j->>'PrincipleId', j->>'Order', j->>'ProbabilityA', j->>'ProbabilityFirstOption')
                                      order by n)
                     from jsonb_array_elements(e.data->'Judgements') with ordinality as q(j, n))::text
             from {s}.mt_events e
             where e.stream_id in (select id from {s}.mt_doc_comparisonstate where run_id = $1)
               and e.type = 'preference_labelled' and not e.is_archived
             order by e.seq_id
             """,
            r => new LabelRow(Guid.Parse(r.GetString(0)), r.GetGuid(1), Guid.Parse(r.GetString(2)), Number(r.GetString(3)),
                r.IsDBNull(4) ? [] : Judgements(r.GetString(4))), ct, runId);
    }

    private static IReadOnlyList<LabelJudgementRow> Judgements(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray()
            .Select(j => new LabelJudgementRow(j[0].GetString()!, j[1].GetString()!, Number(j[2].GetString()!), Number(j[3].GetString()!)))
            .ToList();
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
