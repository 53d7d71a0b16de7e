using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// A message that always fails, over RabbitMQ with the real PostgreSQL: it ends in its queue's <c>_error</c> queue with
/// MassTransit's fault headers, its item gets a failure event with the error, the rest of the run finishes,
/// <c>cai status</c> shows it, and <c>cai retry-failed</c> finishes it once the fault is gone.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class PoisonMessageTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Poison_messages_land_in_the_error_queue_are_recorded_shown_by_status_and_retried_by_retry_failed()
    {
        await using var services = await TestServices.StartAsync();
        var fault = new FaultSwitch();
        using var worker = await Harness.StartHostAsync(services, WorkerRoles.Runnable, TransportKind.RabbitMq,
            s => s.AddSingleton<IModelProvider>(sp => new PoisonedModels(fault, new ModelProvider(sp.GetRequiredService<ModelOptions>()))));
        var prompts = Harness.Prompts(5).Select(p => p.LineNumber is 2 or 4 ? p with { Prompt = p.Prompt + " " + PoisonedModels.Marker } : p).ToList();
        var sampling = new SamplingParameters(MaxNewTokens: 8);
        var request = Harness.Request(prompts, revisions: 1) with
        {
            GeneratorModel = "builtin:echo", CriticModel = PoisonedModels.ModelId, ReviserModel = "builtin:echo",
            Feedback = new FeedbackConfiguration("builtin:echo", sampling with { Temperature = 1.0 }, PoisonedModels.ModelId, 1, LabelMode.Soft, 0.4, 0.6, sampling, FeedbackPrompt.TemplateVersion),
        };
        var runId = await Harness.SubmitAsync(worker, request);
        var run = await Harness.WaitAsync(worker, runId);

        // The other samples and comparisons finished; the poisoned ones are failed items, not gaps.
        Assert.Equal(3 + 3, run.Finalized);
        Assert.Equal(2 + 2, run.Failed);
        var store = worker.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.QuerySession())
        {
            foreach (var sample in (await RunQueries.SamplesAsync(session, runId, default)).Where(s => s.Prompt.Contains(PoisonedModels.Marker)))
            {
                var failure = Assert.Single((await Harness.StreamAsync(store, sample.Id)).Select(e => e.Data).OfType<SampleStepFailed>());
                Assert.Equal(StepNames.Critique(1), failure.Step);
                Assert.Contains(PoisonedModels.Error, failure.ErrorMessage);
            }
            foreach (var comparison in (await RunQueries.ComparisonsAsync(session, runId, default)).Where(c => c.Prompt.Contains(PoisonedModels.Marker)))
            {
                var failure = Assert.Single((await Harness.StreamAsync(store, comparison.Id)).Select(e => e.Data).OfType<ComparisonStepFailed>());
                Assert.Equal(ComparisonSteps.Label, failure.Step);
                Assert.Contains(PoisonedModels.Error, failure.ErrorMessage);
            }
        }

        // The poisoned critique commands sit in the critique queue's error queue, with MassTransit's reason headers.
        var errors = await WaitForMessagesAsync(services, CommandQueues.Critique + "_error", 2);
        Assert.Equal(2, errors.Count);
        Assert.All(errors, m =>
        {
            Assert.Equal("fault", m.Headers.GetProperty("MT-Reason").GetString());
            Assert.Contains(PoisonedModels.Error, m.Headers.GetProperty("MT-Fault-Message").GetString());
            Assert.Contains(nameof(InvalidOperationException), m.Headers.GetProperty("MT-Fault-ExceptionType").GetString());
            Assert.Contains(nameof(CritiqueRequested), m.Payload);
        });
        Assert.NotEmpty(await WaitForMessagesAsync(services, CommandQueues.LabelPreference + "_error", 2));

        // cai status shows the failures with their errors.
        var env = services.ProcessEnvironment();
        var status = await CliProcess.RunAsync(env, Quick, "status", runId.ToString(), "--json");
        Assert.True(status.ExitCode == 0, status.Stderr);
        var json = JsonDocument.Parse(status.Stdout).RootElement;
        Assert.Equal(2, json.GetProperty("failed").GetInt32());
        Assert.Equal(2, json.GetProperty("comparisons_failed").GetInt32());
        var failures = json.GetProperty("failures").EnumerateArray().ToList();
        Assert.Equal(4, failures.Count);
        Assert.All(failures, f => Assert.Contains(PoisonedModels.Error, f.GetProperty("error").GetString()));
        var table = await CliProcess.RunAsync(env, Quick, "status", runId.ToString());
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.True(4 == table.Stdout.Split('\n').Count(l => l.StartsWith("failed ")), table.Stdout);
        Assert.True(4 == System.Text.RegularExpressions.Regex.Count(table.Stdout, System.Text.RegularExpressions.Regex.Escape(PoisonedModels.Error)), table.Stdout);

        // The fault is gone: retry-failed sends the four back, a second call finds nothing to do.
        fault.On = false;
        var retry = await CliProcess.RunAsync(env, Quick, "retry-failed", runId.ToString());
        Assert.True(retry.ExitCode == 0, retry.Stderr);
        Assert.Equal("4", retry.Stdout.Trim());
        var again = await CliProcess.RunAsync(env, Quick, "retry-failed", runId.ToString());
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal("0", again.Stdout.Trim());

        run = await Harness.WaitAsync(worker, runId);
        Assert.Equal(10, run.Finalized);
        Assert.Equal(0, run.Failed);
        await using (var session = store.QuerySession())
        {
            foreach (var sample in (await RunQueries.SamplesAsync(session, runId, default)).Where(s => s.Prompt.Contains(PoisonedModels.Marker)))
                Assert.Equal([typeof(PromptSubmitted), typeof(ResponseGenerated), typeof(SampleStepFailed), typeof(SampleRetryRequested),
                    typeof(CritiqueProduced), typeof(RevisionProduced), typeof(SlExampleFinalized)], (await Harness.StreamAsync(store, sample.Id)).Select(e => e.Data.GetType()));
            foreach (var comparison in (await RunQueries.ComparisonsAsync(session, runId, default)).Where(c => c.Prompt.Contains(PoisonedModels.Marker)))
                Assert.Equal([typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(ComparisonStepFailed), typeof(ComparisonRetryRequested),
                    typeof(PreferenceLabelled)], (await Harness.StreamAsync(store, comparison.Id)).Select(e => e.Data.GetType()));
        }
        Assert.Equal([typeof(RunStarted), typeof(RunCompleted), typeof(RunRetryRequested), typeof(RunCompleted)],
            (await Harness.StreamAsync(store, runId)).Select(e => e.Data.GetType()));
    }

    /// <summary>The management API's view lags the broker a little: poll until the queue holds the expected count.</summary>
    private static async Task<IReadOnlyList<(JsonElement Headers, string Payload)>> WaitForMessagesAsync(TestServices services, string queue, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var messages = await services.PeekAsync(queue);
            if (messages.Count >= expected || DateTime.UtcNow > deadline) return messages;
            await Task.Delay(250);
        }
    }

    private sealed class FaultSwitch
    {
        public volatile bool On = true;
    }

    /// <summary>builtin:echo, except that while the fault is on, any call whose prompt holds the marker throws.</summary>
    private sealed class PoisonedModels(FaultSwitch fault, IModelProvider inner) : IModelProvider
    {
        public const string ModelId = "test:poisoned-echo";
        public const string Marker = "[poison]";
        public const string Error = "this prompt poisons the model";

        public ITextModel Get(string modelId) => modelId == ModelId ? new Poisoned(fault, inner.Get("builtin:echo")) : inner.Get(modelId);

        private sealed class Poisoned(FaultSwitch fault, ITextModel real) : ITextModel
        {
            public ModelIdentity Identity { get; } = new(ModelId, "none");
            public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
                fault.On && requests.Any(r => r.Prompt.Contains(Marker)) ? throw new InvalidOperationException(Error) : real.GenerateAsync(requests, cancellationToken);
            public Task<IReadOnlyList<ContinuationScore>> ScoreAsync(string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default) =>
                fault.On && prompt.Contains(Marker) ? throw new InvalidOperationException(Error) : real.ScoreAsync(prompt, continuations, cancellationToken);
            public void Dispose() { }
        }
    }
}
