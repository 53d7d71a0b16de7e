using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Rl;
using JasperFx.Events;
using Marten;

namespace CaiEvents.EventStore.Audit;

/// <summary>
/// Everything behind one AI preference label: its comparison stream in order, the typed events of each step
/// (the prompt, the two responses, the label), the run that asked for it and the text of every comparison
/// principle the label's judgements used, taken from the constitution snapshot frozen into the run.
/// </summary>
public sealed record LabelAuditChain(
    ComparisonState Comparison,
    IReadOnlyList<IEvent> Events,
    ComparisonSubmitted Submitted,
    ResponsePairGenerated? Pair,
    PreferenceLabelled? Label,
    RunState? Run,
    IReadOnlyDictionary<string, string> PrincipleTexts);

public static class LabelAudit
{
    /// <summary>The chain of the label with this id, or null when no comparison carries it.</summary>
    public static async Task<LabelAuditChain?> LoadAsync(IQuerySession session, Guid labelId, CancellationToken ct)
    {
        var comparison = await session.Query<ComparisonState>().Where(c => c.LabelId == labelId).FirstOrDefaultAsync(ct);
        return comparison is null ? null : await LoadComparisonAsync(session, comparison, ct);
    }

    /// <summary>The chain of one comparison stream (labelled, failed or still in flight).</summary>
    public static async Task<LabelAuditChain> LoadComparisonAsync(IQuerySession session, ComparisonState comparison, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(comparison.Id, token: ct);
        var submitted = events.Select(e => e.Data).OfType<ComparisonSubmitted>().Single();
        var pair = events.Select(e => e.Data).OfType<ResponsePairGenerated>().FirstOrDefault();
        var label = events.Select(e => e.Data).OfType<PreferenceLabelled>().FirstOrDefault();
        var run = await RunQueries.LoadRunAsync(session, comparison.RunId, ct);
        return new LabelAuditChain(comparison, events, submitted, pair, label, run, PrincipleTexts(run, label));
    }

    /// <summary>Question text of each principle a label used, from the run's constitution snapshot.</summary>
    public static IReadOnlyDictionary<string, string> PrincipleTexts(RunState? run, PreferenceLabelled? label)
    {
        if (run is null || label is null) return new Dictionary<string, string>();
        var constitution = ConstitutionLoader.Parse(run.Constitution.Text, run.Constitution.SourceName);
        return label.Judgements.Select(j => j.PrincipleId).Distinct()
            .Select(id => (id, text: constitution.FindComparison(id)?.Question))
            .Where(p => p.text is not null)
            .ToDictionary(p => p.id, p => p.text!);
    }
}
