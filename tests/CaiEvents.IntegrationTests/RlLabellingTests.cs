using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Preferences;
using CaiEvents.Domain.Rl;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Hosting;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>The RL labelling stage over RabbitMQ on the real event store: pairs, soft labels, audit chains, export, human imports.</summary>
[Collection(nameof(IntegrationCollection))]
public class RlLabellingTests
{
    [Fact]
    public async Task Thirty_prompts_through_RabbitMQ_give_thirty_labels_whose_audit_chain_is_complete()
    {
        await using var services = await TestServices.StartAsync();
        using var generator = await Harness.StartHostAsync(services, [WorkerRoles.Generator], TransportKind.RabbitMq);
        using var labellerA = await Harness.StartHostAsync(services, [WorkerRoles.Labeller], TransportKind.RabbitMq);
        using var labellerB = await Harness.StartHostAsync(services, [WorkerRoles.Labeller], TransportKind.RabbitMq);
        using var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        var sampling = new SamplingParameters(Temperature: 1.0, MaxNewTokens: 8);
        var feedback = new FeedbackConfiguration("builtin:tiny", sampling, "builtin:tiny", PrinciplesPerLabel: 2, LabelMode.Soft, 0.4, 0.6, sampling, FeedbackPrompt.TemplateVersion);
        var request = Harness.Request(Harness.Prompts(30), revisions: 1) with { Feedback = feedback, RunSlStage = false };

        var runId = await Harness.SubmitAsync(submitter, request);
        var run = await Harness.WaitAsync(submitter, runId);
        Assert.Equal(30, run.Finalized); // labelled comparisons count as finalised items
        Assert.Equal(0, run.Failed);

        var store = submitter.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var comparisons = await RunQueries.ComparisonsAsync(session, runId, default);
        Assert.Equal(30, comparisons.Count);
        Assert.Empty(await RunQueries.SamplesAsync(session, runId, default));
        foreach (var comparison in comparisons)
        {
            var events = (await Harness.StreamAsync(store, comparison.Id)).Select(e => e.Data).ToList();
            Assert.Equal([typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(PreferenceLabelled)], events.Select(e => e.GetType()));
            var submitted = (ComparisonSubmitted)events[0];
            var pair = (ResponsePairGenerated)events[1];
            var label = (PreferenceLabelled)events[2];
            // The chain: the label names both responses, each response its seed and model, down to the prompt.
            Assert.Equal(pair.Provenance.CausationId, submitted.Provenance.StepId);
            Assert.Equal(label.Provenance.CausationId, pair.Provenance.StepId);
            Assert.Equal((pair.A.ResponseId, pair.B.ResponseId), (label.ResponseAId, label.ResponseBId));
            Assert.NotEqual(pair.A.Seed, pair.B.Seed);
            Assert.Equal("builtin:tiny", pair.Provenance.ModelId);
            Assert.Equal("builtin:tiny", label.Provenance.ModelId);
            Assert.Equal(4, label.Judgements.Count);
            Assert.Equal(2, label.Judgements.Select(j => j.PrincipleId).Distinct().Count());
            Assert.All(label.Judgements, j =>
            {
                Assert.Contains(submitted.Prompt, j.RenderedPrompt);
                Assert.Contains($"(A) {(j.Order == "AB" ? pair.A.Text : pair.B.Text)}\n", j.RenderedPrompt);
                Assert.Contains($"(B) {(j.Order == "AB" ? pair.B.Text : pair.A.Text)}\n", j.RenderedPrompt);
                Assert.Equal(PreferenceLabelMath.Normalise(j.LogProbOptionA, j.LogProbOptionB), j.ProbabilityFirstOption, 12);
            });
            Assert.Equal(label.Judgements.Average(j => j.ProbabilityA), label.ProbabilityA, 12);
        }
        var labellers = new HashSet<string>();
        foreach (var c in comparisons)
            labellers.Add(((PreferenceLabelled)(await Harness.StreamAsync(store, c.Id))[2].Data).Provenance.WorkerInstance);
        Assert.Equal(2, labellers.Count); // two Labeller hosts competed for the queue

        // Human comparisons join the dataset; importing the same file twice adds nothing.
        var file = Path.Combine(Path.GetTempPath(), $"hh-{runId}.jsonl");
        await File.WriteAllTextAsync(file, """
            {"prompt": "Can you help me write a birthday note?", "chosen": "Of course: start with a memory you share.", "rejected": "No."}
            {"chosen": "\n\nHuman: Is it ok to skip breakfast?\n\nAssistant: Occasionally, yes; listen to your body.", "rejected": "\n\nHuman: Is it ok to skip breakfast?\n\nAssistant: Whatever."}
            """);
        try
        {
            var records = PreferenceImportLoader.LoadFile(file);
            Assert.Equal((2, 0), await PreferenceImport.ImportAsync(store, runId, file, records, TimeProvider.System, default));
            Assert.Equal((0, 2), await PreferenceImport.ImportAsync(store, runId, file, records, TimeProvider.System, default));
            var output = Path.Combine(Path.GetTempPath(), $"pref-{runId}.jsonl");
            await using var query = store.QuerySession();
            Assert.Equal(32, await PreferenceDatasetExport.WriteFileAsync(query, runId, output, default));
            var lines = (await File.ReadAllLinesAsync(output)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            File.Delete(output);
            Assert.Equal(30, lines.Count(l => l.GetProperty("source").GetString() == "ai"));
            Assert.All(lines.Where(l => l.GetProperty("source").GetString() == "ai"), l => Assert.InRange(l.GetProperty("score").GetDouble(), 0.5, 1.0));
            var human = lines.Where(l => l.GetProperty("source").GetString() == "human").ToList();
            Assert.Equal(["Can you help me write a birthday note?", "Is it ok to skip breakfast?"], human.Select(h => h.GetProperty("prompt").GetString()));
            Assert.Equal("Occasionally, yes; listen to your body.", human[1].GetProperty("chosen").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
