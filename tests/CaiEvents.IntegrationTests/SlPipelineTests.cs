using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Submission;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>The SL-CAI stage end to end on the real PostgreSQL and RabbitMQ.</summary>
[Collection(nameof(IntegrationCollection))]
public class SlPipelineTests
{
    private static readonly Type[] FullChainTwoRounds =
    [
        typeof(PromptSubmitted), typeof(ResponseGenerated),
        typeof(CritiqueProduced), typeof(RevisionProduced),
        typeof(CritiqueProduced), typeof(RevisionProduced),
        typeof(SlExampleFinalized),
    ];

    [Fact]
    public async Task Twenty_prompts_over_RabbitMQ_with_two_competing_worker_hosts_give_twenty_complete_examples()
    {
        await using var services = await TestServices.StartAsync();
        using var workerA = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.RabbitMq);
        using var workerB = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.RabbitMq);
        using var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);

        var runId = await Harness.SubmitAsync(submitter, Harness.Request(Harness.Prompts(20), revisions: 2));
        var run = await Harness.WaitAsync(submitter, runId);

        Assert.Equal(20, run.Finalized);
        Assert.Equal(0, run.Failed);
        var store = submitter.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var samples = await RunQueries.SamplesAsync(session, runId, default);
        Assert.Equal(20, samples.Count);

        var producers = new HashSet<string>();
        foreach (var sample in samples)
        {
            var events = await Harness.StreamAsync(store, sample.Id);
            Assert.Equal(FullChainTwoRounds, events.Select(e => e.Data.GetType()));
            // Every step names the step that caused it: the provenance chain is unbroken.
            var provenance = events.Select(e => ProvenanceOf(e.Data)).ToList();
            for (var i = 1; i < provenance.Count; i++) Assert.Equal(provenance[i - 1].StepId, provenance[i].CausationId);
            Assert.All(provenance, p => Assert.Equal(runId, p.RunId));
            Assert.All(provenance.Skip(1).SkipLast(1), p => Assert.StartsWith("builtin:tiny", p.ModelId));
            foreach (var p in provenance.Where(p => p.WorkerRole != WorkerRoles.Submitter)) producers.Add(p.WorkerInstance);
            var critiques = events.Select(e => e.Data).OfType<CritiqueProduced>().ToList();
            Assert.All(critiques, c => Assert.NotNull(ConstitutionPrinciple(c.PrincipleId)));
        }
        // Two hosts listened on the same queues and both did work: competing consumers.
        Assert.Equal(2, producers.Count);
        var queues = await services.QueueNamesAsync();
        Assert.Single(queues, q => q == CommandQueues.GenerateResponse);

        var runEvents = await Harness.StreamAsync(store, runId);
        Assert.Equal([typeof(RunStarted), typeof(RunCompleted)], runEvents.Select(e => e.Data.GetType()));

        using var buffer = new MemoryStream();
        Assert.Equal(20, await SlDatasetExport.WriteAsync(session, runId, buffer, default));
    }

    [Fact]
    public async Task Commands_delivered_twice_append_their_events_once()
    {
        await using var services = await TestServices.StartAsync();
        using var worker = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.RabbitMq);
        using var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        var store = submitter.Services.GetRequiredService<IDocumentStore>();

        // Race: the first command of every sample is sent twice before any is processed.
        await using var scope = submitter.Services.CreateAsyncScope();
        var runSubmitter = scope.ServiceProvider.GetRequiredService<RunSubmitter>();
        var runId = await runSubmitter.WriteAsync(Harness.Request(Harness.Prompts(4), revisions: 1), "test", default);
        Assert.Equal(4, await runSubmitter.ResumeAsync(runId, default));
        Assert.Equal(4, await runSubmitter.ResumeAsync(runId, default));
        await Harness.WaitAsync(submitter, runId);

        // Redelivery after the fact: every command of a finished sample, again.
        await using (var session = store.QuerySession())
        {
            var sample = (await RunQueries.SamplesAsync(session, runId, default))[0];
            var bus = submitter.Services.GetRequiredService<ISendEndpointProvider>();
            object[] duplicates =
            [
                new GenerateResponse(runId, sample.Id, sample.PromptStepId),
                new CritiqueRequested(runId, sample.Id, 1, sample.ResponseStepId!.Value),
                new RevisionRequested(runId, sample.Id, 1, sample.Rounds[0].CritiqueStepId),
            ];
            foreach (var command in duplicates.Concat(duplicates))
                await (await bus.GetSendEndpoint(CommandQueues.AddressFor(command))).Send(command, command.GetType());
        }
        await Harness.DrainAsync(services);

        await using var check = store.QuerySession();
        foreach (var sample in await RunQueries.SamplesAsync(check, runId, default))
        {
            var events = await Harness.StreamAsync(store, sample.Id);
            Assert.Equal([typeof(PromptSubmitted), typeof(ResponseGenerated), typeof(CritiqueProduced), typeof(RevisionProduced), typeof(SlExampleFinalized)],
                events.Select(e => e.Data.GetType()));
        }
        var runEvents = await Harness.StreamAsync(store, runId);
        Assert.Single(runEvents, e => e.Data is RunCompleted);
    }

    [Fact]
    public async Task A_run_submitted_before_any_worker_starts_waits_in_RabbitMQ_and_completes()
    {
        await using var services = await TestServices.StartAsync();
        using var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        var runId = await Harness.SubmitAsync(submitter, Harness.Request(Harness.Prompts(3), revisions: 1));
        // The commands wait in their durable queue (the management API's counters lag a little).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await services.PendingMessagesAsync() < 3 && DateTime.UtcNow < deadline) await Task.Delay(250);
        Assert.Equal(3, await services.PendingMessagesAsync());

        using var worker = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.RabbitMq);
        var run = await Harness.WaitAsync(submitter, runId);
        Assert.Equal(3, run.Finalized);
    }

    [Fact]
    public async Task Streams_written_without_their_commands_are_healed_by_resume()
    {
        // The state a crash between append and send leaves behind: events on the streams, no messages.
        await using var services = await TestServices.StartAsync();
        using var worker = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.RabbitMq);
        await using var scope = worker.Services.CreateAsyncScope();
        var runSubmitter = scope.ServiceProvider.GetRequiredService<RunSubmitter>();
        var runId = await runSubmitter.WriteAsync(Harness.Request(Harness.Prompts(3), revisions: 1), "test", default);
        await Task.Delay(1000);
        await using (var session = worker.Services.GetRequiredService<IDocumentStore>().QuerySession())
            Assert.Equal(3, (await RunQueries.CountByStatusAsync(session, runId, default)).Submitted);

        Assert.Equal(3, await runSubmitter.ResumeAsync(runId, default));
        var run = await Harness.WaitAsync(worker, runId);
        Assert.Equal(3, run.Finalized);
    }

    [Fact]
    public async Task A_step_that_keeps_failing_is_recorded_as_a_failure_event_and_the_run_still_completes()
    {
        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.InMemory,
            s => s.AddSingleton<IModelProvider>(sp => new CriticAlwaysFails(new ModelProvider(sp.GetRequiredService<ModelOptions>()))));
        var request = Harness.Request(Harness.Prompts(2), revisions: 1) with { CriticModel = CriticAlwaysFails.ModelId };
        var runId = await Harness.SubmitAsync(host, request);
        var run = await Harness.WaitAsync(host, runId);

        Assert.Equal(0, run.Finalized);
        Assert.Equal(2, run.Failed);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        foreach (var sample in await RunQueries.SamplesAsync(session, runId, default))
        {
            var events = await Harness.StreamAsync(store, sample.Id);
            var failure = Assert.IsType<SampleStepFailed>(events[^1].Data);
            Assert.Equal("critique:1", failure.Step);
            Assert.Contains("the critic model is down", failure.ErrorMessage);
            Assert.Equal(nameof(InvalidOperationException), failure.ErrorType.Split('.')[^1]);
            Assert.Single(events, e => e.Data is SampleStepFailed);
        }
    }

    [Fact]
    public async Task Export_gives_exactly_one_parseable_line_per_prompt_for_awkward_prompt_text()
    {
        string[] texts =
        [
            "She said \"no\" and left; what now?",
            "Line one\nLine two\r\nLine three\ttabbed",
            "Ça coûte combien? Straße, 日本語のテキスト",
            "Emoji 😤🔥 and a backslash \\ and a slash /",
            "{\"looks\": \"like json\"}",
            new string('x', 20_000) + " the end",
        ];
        var prompts = texts.Select((t, i) => new Domain.Prompts.PromptRecord(i + 1, $"odd-{i}", null, t)).ToList();
        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.InMemory);
        var runId = await Harness.SubmitAsync(host, Harness.Request(prompts, revisions: 1));
        await Harness.WaitAsync(host, runId);

        var path = Path.Combine(Path.GetTempPath(), $"sl-{runId}.jsonl");
        try
        {
            await using (var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession())
                Assert.Equal(texts.Length, await SlDatasetExport.WriteFileAsync(session, runId, path, default));
            var lines = await File.ReadAllLinesAsync(path);
            Assert.Equal(texts.Length, lines.Length);
            var exported = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(texts, exported.Select(e => e.GetProperty("prompt").GetString()));
            Assert.All(exported, e =>
            {
                Assert.Equal(runId.ToString(), e.GetProperty("run_id").GetString());
                Assert.Equal(JsonValueKind.String, e.GetProperty("completion").ValueKind);
                Assert.Equal(1, e.GetProperty("rounds").GetArrayLength());
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Provenance ProvenanceOf(object data) => data switch
    {
        PromptSubmitted e => e.Provenance,
        ResponseGenerated e => e.Provenance,
        CritiqueProduced e => e.Provenance,
        RevisionProduced e => e.Provenance,
        SlExampleFinalized e => e.Provenance,
        SampleStepFailed e => e.Provenance,
        _ => throw new InvalidOperationException(data.GetType().Name),
    };

    private static object? ConstitutionPrinciple(string id) => Domain.Constitutions.ConstitutionLoader.LoadDefault().FindCritiqueRevision(id);

    /// <summary>A model seam whose critic model always throws; every other id is the real model.</summary>
    private sealed class CriticAlwaysFails(IModelProvider inner) : IModelProvider
    {
        public const string ModelId = "test:critic-down";

        public ITextModel Get(string modelId) => modelId == ModelId ? new Broken() : inner.Get(modelId);

        private sealed class Broken : ITextModel
        {
            public ModelIdentity Identity { get; } = new(ModelId, "none");
            public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
                throw new InvalidOperationException("the critic model is down");
            public Task<IReadOnlyList<ContinuationScore>> ScoreAsync(string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default) =>
                throw new InvalidOperationException("the critic model is down");
            public void Dispose() { }
        }
    }
}

[CollectionDefinition(nameof(IntegrationCollection), DisableParallelization = true)]
public class IntegrationCollection;
