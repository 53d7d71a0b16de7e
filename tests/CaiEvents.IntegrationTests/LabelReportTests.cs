using CaiEvents.Application.Evaluation;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Preferences;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary><c>cai report labels</c>'s use case on a labelled run with human comparisons of some of its pairs imported into it.</summary>
[Collection(nameof(IntegrationCollection))]
public class LabelReportTests
{
    [Fact]
    public async Task The_report_reads_every_judgement_and_compares_labels_with_the_human_choices_on_the_same_pairs()
    {
        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, [WorkerRoles.Generator, WorkerRoles.Labeller], TransportKind.InMemory);
        var runId = await Harness.SubmitAsync(host, Harness.Request(Harness.Prompts(6), revisions: 1) with { Feedback = Harness.TinyFeedback(), RunSlStage = false });
        await Harness.WaitAsync(host, runId);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        List<ComparisonSubmitted> submitted;
        List<ResponsePairGenerated> pairs;
        List<PreferenceLabelled> labels;
        await using (var query = store.QuerySession())
        {
            submitted = (await query.Events.QueryRawEventDataOnly<ComparisonSubmitted>().ToListAsync()).Where(c => c.RunId == runId).OrderBy(c => c.Index).ToList();
            pairs = (await query.Events.QueryRawEventDataOnly<ResponsePairGenerated>().ToListAsync()).ToList();
            labels = (await query.Events.QueryRawEventDataOnly<PreferenceLabelled>().ToListAsync()).ToList();
        }
        Assert.Equal(6, labels.Count);

        // People judged three of the pairs: A over B for the first two, B over A for the third (in the file's order, either way round).
        var judged = submitted.Take(3).Select((c, i) => (Comparison: c, Pair: pairs.Single(p => p.PairId == c.PairId), HumanChoseA: i < 2)).ToList();
        var records = judged.Select((j, i) => j.HumanChoseA
            ? new ImportedPreference(i + 1, $"h-{i}", j.Comparison.Prompt, j.Pair.A.Text, j.Pair.B.Text)
            : new ImportedPreference(i + 1, $"h-{i}", j.Comparison.Prompt, j.Pair.B.Text, j.Pair.A.Text)).ToList();
        await PreferenceImport.ImportAsync(store, runId, "human.jsonl", records, TimeProvider.System, default);

        var result = await LabelReport.BuildAsync(services.HostConfiguration(), runId, null, 0.05, default);
        var n = result.Numbers;
        Assert.Equal(6, n.Labels);
        Assert.Equal(3, result.HumanImported);
        // Two principles per label, both orders each: 12 (pair, principle) position biases, and every principle's pairs add up to 12.
        Assert.Equal(12, n.PositionBiasCount);
        Assert.Equal(12, n.Principles.Sum(p => p.Pairs));
        Assert.All(n.Principles, p => Assert.Equal(p.Pairs, p.PairsWithBothOrders));
        // Agreement by definition: the label's side (P(A) above ½) against the human's choice, on the three judged pairs.
        var decided = judged.Select(j => (P: labels.Single(l => l.PairId == j.Comparison.PairId).ProbabilityA, j.HumanChoseA)).Where(x => x.P != 0.5).ToList();
        Assert.Equal(decided.Count, n.HumanComparisons);
        Assert.Equal(decided.Count(x => (x.P > 0.5) == x.HumanChoseA) / (double)decided.Count, n.HumanAgreement!.Value, 12);
        Assert.Equal(labels.Count(l => Math.Abs(l.ProbabilityA - 0.5) <= 0.05) / 6.0, n.ShareNearHalf!.Value, 12);
    }
}
