using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Hosting;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>A run's seed, not its (random) id, decides what it samples: the same seed and prompts give the same data.</summary>
[Collection(nameof(IntegrationCollection))]
public class ReproducibilityTests
{
    [Fact]
    public async Task Two_runs_with_the_same_seed_and_prompts_give_the_same_examples_and_labels_and_another_seed_does_not()
    {
        await using var services = await TestServices.StartAsync();
        using var worker = await Harness.StartHostAsync(services, WorkerRoles.Runnable, TransportKind.RabbitMq);
        var store = worker.Services.GetRequiredService<IDocumentStore>();
        var feedback = Harness.TinyFeedback();
        var request = Harness.Request(Harness.Prompts(6), revisions: 2, seed: 11) with { Feedback = feedback };

        async Task<(Guid Run, SlDataset Sl, PreferenceTrainingSet Labels, List<string> Steps)> RunAsync(long seed)
        {
            var runId = await Harness.SubmitAsync(worker, request with { Seed = seed });
            var run = await Harness.WaitAsync(worker, runId);
            Assert.Equal((12, 0), (run.Finalized, run.Failed)); // RunCompleted counts finalised samples and labelled pairs together
            await using var session = store.QuerySession();
            var sl = await SlDataset.LoadAsync(session, runId, null, default);
            var labels = await PreferenceTrainingSet.LoadAsync(session, runId, null, default);
            // Every recorded choice and seed, in prompt order: critique principles and seeds, revision seeds, response and pair seeds.
            var steps = new List<string>();
            foreach (var sample in sl.Examples)
                foreach (var e in await Harness.StreamAsync(store, sample.SampleId))
                    steps.Add(e.Data switch
                    {
                        ResponseGenerated r => $"response {r.Provenance.Seed}",
                        CritiqueProduced c => $"critique {c.Round} {c.PrincipleId} {c.Provenance.Seed}",
                        RevisionProduced r => $"revision {r.Round} {r.Provenance.Seed}",
                        _ => e.Data.GetType().Name,
                    });
            foreach (var item in labels.Items)
                foreach (var e in await Harness.StreamAsync(store, item.PairId))
                    if (e.Data is ResponsePairGenerated p) steps.Add($"pair {p.A.Seed} {p.B.Seed}");
            return (runId, sl, labels, steps);
        }

        var first = await RunAsync(11);
        var second = await RunAsync(11);
        var otherSeed = await RunAsync(12);

        Assert.NotEqual(first.Run, second.Run);
        Assert.Empty(first.Sl.Examples.Select(e => e.SampleId).Intersect(second.Sl.Examples.Select(e => e.SampleId)));
        Assert.Equal(6, first.Sl.Examples.Count);
        Assert.Equal(6, first.Labels.Items.Count);
        Assert.Equal(first.Sl.Examples.Select(e => (e.Prompt, e.Completion)), second.Sl.Examples.Select(e => (e.Prompt, e.Completion)));
        Assert.Equal(first.Labels.Items.Select(Content), second.Labels.Items.Select(Content));
        Assert.Equal(first.Steps, second.Steps);
        Assert.Contains("critique 2", string.Join("\n", first.Steps));

        Assert.NotEqual(first.Steps, otherSeed.Steps);
        Assert.NotEqual(first.Sl.Examples.Select(e => e.Completion), otherSeed.Sl.Examples.Select(e => e.Completion));
        Assert.Equal(first.Sl.Examples.Select(e => e.Prompt), otherSeed.Sl.Examples.Select(e => e.Prompt));
    }

    private static string Content(PreferenceTrainingItem i) =>
        $"{i.Prompt}|{i.ResponseA}|{i.ResponseB}|{i.ProbabilityA:R}|{string.Join(",", i.Principles)}";
}
