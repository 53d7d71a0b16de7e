using CaiEvents.Application.Hosts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Evaluation;
using CaiEvents.EventStore;
using Marten;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Evaluation;

/// <summary>
/// <c>cai report labels</c>: the AI labels of a run as recorded (every judgement's principle, order and P(A)), summarised by
/// <see cref="LabelReportMath"/>. Human agreement uses the comparisons imported into the run (or into <c>humanRunId</c>) whose prompt and
/// two responses are those of a labelled pair, in either order.
/// </summary>
public static class LabelReport
{
    public static async Task<LabelReportResult> BuildAsync(IConfiguration configuration, Guid runId, Guid? humanRunId, double nearHalfMargin,
        CancellationToken ct)
    {
        if (nearHalfMargin is < 0 or >= 0.5 || double.IsNaN(nearHalfMargin)) throw new UsageException("--near-half: must be in [0, 0.5)");
        await using var store = await EventStoreAccess.OpenAsync(configuration, ct);
        await using var query = store.QuerySession();
        if (await RunQueries.LoadRunAsync(query, runId, ct) is null) throw new UsageException($"--run: run {runId} does not exist");
        var humanRun = humanRunId ?? runId;
        if (humanRunId is { } h && await RunQueries.LoadRunAsync(query, h, ct) is null) throw new UsageException($"--human: run {h} does not exist");

        var submitted = (await query.Events.QueryRawEventDataOnly<ComparisonSubmitted>().Where(c => c.RunId == runId).ToListAsync(ct))
            .GroupBy(c => c.PairId).ToDictionary(g => g.Key, g => g.First());
        var pairIds = submitted.Keys.ToList();
        var pairs = (await query.Events.QueryRawEventDataOnly<ResponsePairGenerated>().Where(p => p.PairId.IsOneOf(pairIds)).ToListAsync(ct))
            .GroupBy(p => p.PairId).ToDictionary(g => g.Key, g => g.First());
        var labels = (await query.Events.QueryRawEventDataOnly<PreferenceLabelled>().Where(l => l.PairId.IsOneOf(pairIds)).ToListAsync(ct))
            .GroupBy(l => l.PairId).Select(g => g.First()).OrderBy(l => submitted[l.PairId].Index).ToList();
        // Both stored versions of an import: version-1 events are upcast to the current shape on read.
        var names = EventVersions.PreferenceImportedNames.ToArray();
        var imported = (await query.Events.QueryAllRawEvents().Where(e => names.Contains(e.EventTypeName)).ToListAsync(ct))
            .Select(e => e.Data).OfType<PreferenceImported>().Where(p => p.RunId == humanRun).ToList();

        var judgements = labels.SelectMany(l => l.Judgements.Select(j => new LabelledJudgement(l.PairId, j.PrincipleId, j.Order, j.ProbabilityA))).ToList();
        var humanByKey = imported.GroupBy(i => Key(i.Prompt, i.Chosen, i.Rejected)).ToDictionary(g => g.Key, g => g.First());
        var human = new List<(double, bool)>();
        foreach (var label in labels)
        {
            if (!pairs.TryGetValue(label.PairId, out var pair)) continue;
            if (humanByKey.TryGetValue(Key(submitted[label.PairId].Prompt, pair.A.Text, pair.B.Text), out var choice))
                human.Add((label.ProbabilityA, string.Equals(choice.Chosen, pair.A.Text, StringComparison.Ordinal)));
        }
        var numbers = LabelReportMath.Build(judgements, labels.Select(l => l.ProbabilityA).ToList(), human, nearHalfMargin);
        return new LabelReportResult(runId, humanRun, imported.Count, numbers);
    }

    /// <summary>A comparison's prompt and its two texts in ordinal order, so either order of the same pair matches.</summary>
    private static (string Prompt, string First, string Second) Key(string prompt, string x, string y) =>
        string.CompareOrdinal(x, y) <= 0 ? (prompt, x, y) : (prompt, y, x);
}
