using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Preferences;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Generator;
using Marten;
using MassTransit;
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
        using var labellerA = await Harness.StartHostAsync(services, [WorkerRoles.Labeller], TransportKind.RabbitMq, null, Batched);
        using var labellerB = await Harness.StartHostAsync(services, [WorkerRoles.Labeller], TransportKind.RabbitMq, null, Batched);
        using var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        var feedback = Harness.TinyFeedback();
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
    [Fact]
    public async Task A_label_command_delivered_twice_appends_exactly_one_label()
    {
        await using var services = await TestServices.StartAsync();
        using var generator = await Harness.StartHostAsync(services, [WorkerRoles.Generator], TransportKind.RabbitMq);
        using var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        var store = submitter.Services.GetRequiredService<IDocumentStore>();
        var runId = await Harness.SubmitAsync(submitter, Harness.Request(Harness.Prompts(6), revisions: 1) with { Feedback = Harness.TinyFeedback(), RunSlStage = false });

        // No Labeller yet: every pair is generated and its LabelPreference waits in the queue.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        IReadOnlyList<ComparisonState> comparisons;
        do
        {
            await Task.Delay(250);
            await using var session = store.QuerySession();
            comparisons = await RunQueries.ComparisonsAsync(session, runId, default);
        } while ((comparisons.Count < 6 || comparisons.Any(c => c.Status != ComparisonStatus.Generated)) && DateTime.UtcNow < deadline);
        Assert.All(comparisons, c => Assert.Equal(ComparisonStatus.Generated, c.Status));

        // Each pair's command twice more, so copies of one pair land in the same batch or in competing ones.
        var bus = submitter.Services.GetRequiredService<ISendEndpointProvider>();
        var commands = comparisons.Select(c => new LabelPreference(runId, c.Id, c.PairStepId!.Value)).ToList();
        foreach (var command in commands.Concat(commands))
            await (await bus.GetSendEndpoint(CommandQueues.AddressFor(command))).Send(command);
        using var labellerA = await Harness.StartHostAsync(services, [WorkerRoles.Labeller], TransportKind.RabbitMq, null, Batched);
        using var labellerB = await Harness.StartHostAsync(services, [WorkerRoles.Labeller], TransportKind.RabbitMq, null, Batched);
        var run = await Harness.WaitAsync(submitter, runId);
        Assert.Equal(6, run.Finalized);

        // Redelivery after the fact appends nothing either.
        await (await bus.GetSendEndpoint(CommandQueues.AddressFor(commands[0]))).Send(commands[0]);
        await Harness.DrainAsync(services);
        foreach (var comparison in comparisons)
        {
            var events = await Harness.StreamAsync(store, comparison.Id);
            Assert.Equal([typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(PreferenceLabelled)], events.Select(e => e.Data.GetType()));
        }
        Assert.Single(await Harness.StreamAsync(store, runId), e => e.Data is RunCompleted);
    }

    [Fact]
    public async Task A_pair_command_delivered_twice_appends_exactly_one_pair_with_the_texts_the_pair_gets_alone()
    {
        await using var services = await TestServices.StartAsync();
        using var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        var store = submitter.Services.GetRequiredService<IDocumentStore>();
        var request = Harness.Request(Harness.Prompts(6), revisions: 1) with { Feedback = Harness.TinyFeedback(), RunSlStage = false };
        var runId = await Harness.SubmitAsync(submitter, request);

        // No Generator yet: every comparison is submitted and its GenerateResponsePair waits in the queue.
        IReadOnlyList<ComparisonState> comparisons;
        await using (var session = store.QuerySession())
            comparisons = await RunQueries.ComparisonsAsync(session, runId, default);
        Assert.Equal(6, comparisons.Count);
        Assert.All(comparisons, c => Assert.Equal(ComparisonStatus.Submitted, c.Status));

        // Each pair's command twice more, so copies of one pair land in the same batch or in competing ones.
        var bus = submitter.Services.GetRequiredService<ISendEndpointProvider>();
        var commands = comparisons.Select(c => new GenerateResponsePair(runId, c.Id, c.SubmittedStepId)).ToList();
        foreach (var command in commands.Concat(commands))
            await (await bus.GetSendEndpoint(CommandQueues.AddressFor(command))).Send(command);
        using var generatorA = await Harness.StartHostAsync(services, [WorkerRoles.Generator], TransportKind.RabbitMq);
        using var generatorB = await Harness.StartHostAsync(services, [WorkerRoles.Generator], TransportKind.RabbitMq);
        using var labeller = await Harness.StartHostAsync(services, [WorkerRoles.Labeller], TransportKind.RabbitMq, null, Batched);
        var run = await Harness.WaitAsync(submitter, runId);
        Assert.Equal(6, run.Finalized);

        // Redelivery after the fact appends nothing either.
        await (await bus.GetSendEndpoint(CommandQueues.AddressFor(commands[0]))).Send(commands[0]);
        await Harness.DrainAsync(services);
        var model = generatorA.Services.GetRequiredService<IModelProvider>().Get(request.Feedback!.PolicyModel);
        foreach (var comparison in comparisons)
        {
            var events = await Harness.StreamAsync(store, comparison.Id);
            Assert.Equal([typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(PreferenceLabelled)], events.Select(e => e.Data.GetType()));
            // The batched pair is byte for byte the pair generated on its own (same run seed, prompt and sampling).
            var pair = (ResponsePairGenerated)events[1].Data;
            var alone = await ResponsePairGeneration.GenerateAsync(model, new PairInput(request.Seed, comparison.Id, Seeds.ComparisonKey(comparison.Index), pair.RenderedPrompt), request.Feedback.PolicySampling, default);
            Assert.Equal((PromptFormat.CutAtTurnMarker(alone.A.Text), alone.A.Seed), (pair.A.Text, pair.A.Seed));
            Assert.Equal((PromptFormat.CutAtTurnMarker(alone.B.Text), alone.B.Seed), (pair.B.Text, pair.B.Seed));
        }
        Assert.Single(await Harness.StreamAsync(store, runId), e => e.Data is RunCompleted);
    }

    [Fact]
    public async Task A_pair_whose_labelling_keeps_failing_is_recorded_as_failed_while_its_batch_mates_are_labelled()
    {
        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, [WorkerRoles.Generator, WorkerRoles.Labeller], TransportKind.InMemory,
            s => s.AddSingleton<IModelProvider>(sp => new FailsOnPrompt(new ModelProvider(sp.GetRequiredService<ModelOptions>()))), Batched);
        var request = Harness.Request(Harness.Prompts(4), revisions: 1) with { Feedback = Harness.TinyFeedback() with { FeedbackModel = FailsOnPrompt.ModelId }, RunSlStage = false };
        var runId = await Harness.SubmitAsync(host, request);
        var run = await Harness.WaitAsync(host, runId);
        Assert.Equal(3, run.Finalized);
        Assert.Equal(1, run.Failed);

        var store = host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        foreach (var comparison in await RunQueries.ComparisonsAsync(session, runId, default))
        {
            var events = (await Harness.StreamAsync(store, comparison.Id)).Select(e => e.Data).ToList();
            if (comparison.Prompt.Contains(FailsOnPrompt.Marker))
            {
                var failure = Assert.IsType<ComparisonStepFailed>(events[^1]);
                Assert.Equal(ComparisonSteps.Label, failure.Step);
                Assert.Contains("the feedback model cannot judge", failure.ErrorMessage);
                Assert.Single(events, e => e is ComparisonStepFailed);
            }
            else
            {
                Assert.Equal([typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(PreferenceLabelled)], events.Select(e => e.GetType()));
            }
        }
    }

    /// <summary>These tests are about batches: the Labeller's default batch size is 1 (see LabellerOptions).</summary>
    private static readonly (string, string) Batched = ("Workers:Labeller:BatchSize", "16");

    /// <summary>The real tiny model as feedback model, except that scoring any question about one prompt throws.</summary>
    private sealed class FailsOnPrompt(IModelProvider inner) : IModelProvider
    {
        public const string ModelId = "test:fails-on-prompt-2";
        public const string Marker = "Test prompt number 2:";

        public ITextModel Get(string modelId) => modelId == ModelId ? new Picky(inner.Get("builtin:tiny")) : inner.Get(modelId);

        private sealed class Picky(ITextModel real) : ITextModel
        {
            public ModelIdentity Identity { get; } = new(ModelId, "none");
            public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
                real.GenerateAsync(requests, cancellationToken);
            public Task<IReadOnlyList<ContinuationScore>> ScoreAsync(string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default) =>
                prompt.Contains(Marker) ? throw new InvalidOperationException("the feedback model cannot judge this pair") : real.ScoreAsync(prompt, continuations, cancellationToken);
            public void Dispose() { }
        }
    }
}
