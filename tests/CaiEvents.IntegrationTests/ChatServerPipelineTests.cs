using System.Text.Json;
using System.Text.Json.Nodes;
using CaiEvents.Application.Runs;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Audit;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.TestSupport;
using CaiEvents.Workers.Common;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// Labels read from a server's top log-probs through the real pipeline: the evidence each judgement records, the served model in
/// provenance, a label refused for too little A/B mass (a recorded failure that retry-failed retries), and the refusal of a
/// labeller model without log-probs before anything is written.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class ChatServerPipelineTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_label_with_too_little_option_mass_is_a_recorded_failure_that_retry_failed_labels_once_the_server_answers_well()
    {
        await using var services = await TestServices.StartAsync();
        var server = new TopLogProbServer();
        using var worker = await Harness.StartHostAsync(services, [WorkerRoles.Generator, WorkerRoles.Labeller], TransportKind.RabbitMq,
            s => s.AddSingleton<IModelProvider>(sp => new WithServer(server, new ModelProvider(sp.GetRequiredService<ModelOptions>()))));
        var request = Harness.Request(Harness.Prompts(3), revisions: 1) with
        {
            Feedback = Harness.TinyFeedback() with { FeedbackModel = TopLogProbServer.ModelId }, RunSlStage = false,
        };
        var runId = await Harness.SubmitAsync(worker, request);
        var run = await Harness.WaitAsync(worker, runId);
        Assert.Equal((2, 1), (run.Finalized, run.Failed));

        var store = worker.Services.GetRequiredService<IDocumentStore>();
        var failed = await ComparisonAsync(store, runId, TopLogProbServer.Marker);
        var failure = Assert.IsType<ComparisonStepFailed>((await Harness.StreamAsync(store, failed.Id))[^1].Data);
        Assert.Equal((ComparisonSteps.Label, "LowOptionMass"), (failure.Step, failure.ErrorType));
        // 0.15 + 0.05 of the answer position fell on the options: every judgement (2 principles × 2 orders) is named.
        Assert.StartsWith("A/B option mass below the threshold 0.5 (Workers:Labeller:MinOptionMass) in 4 of 4 judgement(s): principle ",
            failure.ErrorMessage);
        Assert.Equal(2, CountOf(failure.ErrorMessage, "order AB: A/B mass 0.2;"));
        Assert.Equal(2, CountOf(failure.ErrorMessage, "order BA: A/B mass 0.2;"));
        Assert.Equal(1, CountOf(failure.ErrorMessage, "order BA: A/B mass 0.2; the top log-probs"));
        Assert.Equal(TopLogProbServer.Served with { SystemFingerprint = "fp_loopback" }, failure.Provenance.Served);
        // Recorded at once, not retried on the bus: the pair's four questions were asked exactly once.
        Assert.Equal(4, server.QuestionsAbout(TopLogProbServer.Marker));

        // The server answers well now: retry-failed (the CLI's use case) sends the comparison back and it is labelled.
        server.AnswersWell = true;
        var retry = await FailedItemRetry.RetryAsync(runId, services.HostConfiguration(), default);
        Assert.Equal(1, retry.Retried);
        run = await Harness.WaitAsync(worker, runId);
        Assert.Equal((3, 0), (run.Finalized, run.Failed));

        var events = (await Harness.StreamAsync(store, failed.Id)).Select(e => e.Data).ToList();
        Assert.Equal([typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(ComparisonStepFailed), typeof(ComparisonRetryRequested),
            typeof(PreferenceLabelled)], events.Select(e => e.GetType()));
        var pair = (ResponsePairGenerated)events[1];
        Assert.Null(pair.Provenance.Served); // the local policy: nothing served, stored as before
        var label = (PreferenceLabelled)events[^1];
        Assert.Equal(TopLogProbServer.Served with { SystemFingerprint = "fp_loopback" }, label.Provenance.Served);
        Assert.All(label.Judgements, j =>
        {
            // Good answers: 0.6 on the first option, 0.3 on the second, so P(first) = 0.6 / 0.9 = 2/3.
            Assert.Equal(0.9, j.OptionMass!.Value, 12);
            Assert.Equal(2.0 / 3, j.ProbabilityFirstOption, 12);
            Assert.Equal(TopLogProbServer.Request(j.RenderedPrompt), j.SentRequest);
            Assert.Equal(TopLogProbServer.Top(0.6, 0.3), j.TopLogProbs!);
        });
        Assert.Equal(0.5, label.ProbabilityA, 12); // 2/3 for AB and 1/3 for BA average to 1/2

        // The audit chain shows, per judgement, the request sent, the top log-probs received, the mass and the probability.
        await using var session = store.QuerySession();
        var chain = await LabelAudit.LoadAsync(session, label.LabelId, default);
        var audited = EventDescriptions.Describe(chain!.Label!).Fields.ToDictionary(f => f.Name, f => f.Value);
        for (var i = 1; i <= 4; i++)
        {
            Assert.Contains("A/B mass 0.9 -> P(first) = 0.6667 -> P(response A) = ", audited[$"judgement {i}"]);
            Assert.Equal(label.Judgements[i - 1].SentRequest, audited[$"  sent {i}"]);
            Assert.Equal("\" (A\" -0.5108 (p 0.6), \" (B\" -1.204 (p 0.3), \"I\" -2.9957 (p 0.05)", audited[$"  top log-probs {i}"]);
        }
        Assert.Contains(chain.Events, e => e.Data is ComparisonStepFailed);
    }

    [Fact]
    public async Task A_pairs_run_whose_every_role_uses_a_chat_only_server_completes_with_audited_labels_and_retries_a_low_mass_one()
    {
        const string Marker = "Test prompt number 2:";
        var answersWell = false;
        await using var server = await LoopbackOpenAiServer.StartAsync();
        server.ChatOnly = true;
        server.SystemFingerprint = "fp_chat_loopback";
        // At the answer position: (A) 0.6, (B) 0.3, "I" 0.05; until the server "answers well", questions about one prompt put
        // 0.15 + 0.05 on the options and 0.7 elsewhere. Generation positions get the same list; nothing reads it there.
        server.TopLogProbsAt = (call, _, _) => !answersWell && call.Messages.Any(m => m.Content.Contains(Marker, StringComparison.Ordinal))
            ? [new("I", Math.Log(0.7)), new("A", Math.Log(0.15)), new("B", Math.Log(0.05))]
            : [new("A", Math.Log(0.6)), new("B", Math.Log(0.3)), new("I", Math.Log(0.05))];
        var remote = server.ModelId();

        await using var services = await TestServices.StartAsync();
        var configuration = services.HostConfiguration();
        using var worker = await Harness.StartHostAsync(services, WorkerRoles.Runnable, TransportKind.RabbitMq);
        var request = Harness.Request(Harness.Prompts(3), revisions: 1) with
        {
            GeneratorModel = remote, CriticModel = remote, ReviserModel = remote,
            Feedback = Harness.TinyFeedback() with { PolicyModel = remote, FeedbackModel = remote },
        };
        // The use case `cai submit` calls: the server is probed (it can label: chat with top log-probs) before the run is written.
        var runId = await RunSubmission.SubmitAsync(request, configuration, new QuietObserver(), default);
        var run = await Harness.WaitAsync(worker, runId);
        Assert.Equal((3 + 2, 1), (run.Finalized, run.Failed));

        var store = worker.Services.GetRequiredService<IDocumentStore>();
        var failed = await ComparisonAsync(store, runId, Marker);
        var failure = Assert.IsType<ComparisonStepFailed>((await Harness.StreamAsync(store, failed.Id))[^1].Data);
        Assert.Equal("LowOptionMass", failure.ErrorType);
        Assert.Contains("order AB: A/B mass 0.2;", failure.ErrorMessage);
        Assert.Contains("below the threshold 0.5 ", failure.ErrorMessage);

        answersWell = true;
        Assert.Equal(1, (await FailedItemRetry.RetryAsync(runId, configuration, default)).Retried);
        run = await Harness.WaitAsync(worker, runId);
        Assert.Equal((3 + 3, 0), (run.Finalized, run.Failed));

        var served = new ServedModel(LoopbackOpenAiServer.DefaultModelName, "vllm", "/models/loopback-model", 2048, "fp_chat_loopback");
        await using var session = store.QuerySession();
        foreach (var sample in await RunQueries.SamplesAsync(session, runId, default))
        {
            var events = (await Harness.StreamAsync(store, sample.Id)).Select(e => e.Data).ToList();
            Assert.All(events.OfType<ResponseGenerated>(), e => Assert.Equal(served, e.Provenance.Served));
            Assert.All(events.OfType<CritiqueProduced>(), e => Assert.Equal(served, e.Provenance.Served));
            Assert.All(events.OfType<RevisionProduced>(), e => Assert.Equal(served, e.Provenance.Served));
        }
        foreach (var comparison in await RunQueries.ComparisonsAsync(session, runId, default))
        {
            var label = (await Harness.StreamAsync(store, comparison.Id)).Select(e => e.Data).OfType<PreferenceLabelled>().Single();
            Assert.Equal(served, label.Provenance.Served);
            Assert.Equal(4, label.Judgements.Count);
            Assert.All(label.Judgements, j =>
            {
                // 0.6 and 0.3 of the answer position on (A) and (B): mass 0.9, P(first) = 0.6 / 0.9 = 2/3.
                Assert.Equal(0.9, j.OptionMass!.Value, 9);
                Assert.Equal(2.0 / 3, j.ProbabilityFirstOption, 9);
                Assert.Equal(new TopLogProb[] { new("A", Math.Log(0.6)), new("B", Math.Log(0.3)), new("I", Math.Log(0.05)) }.Select(Rounded),
                    j.TopLogProbs!.Select(Rounded));
                var sent = JsonNode.Parse(j.SentRequest!)!;
                Assert.Equal(LoopbackOpenAiServer.DefaultModelName, sent["model"]!.GetValue<string>());
                Assert.Contains(comparison.Prompt, sent["messages"]!.ToJsonString(new JsonSerializerOptions
                {
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                }));
            });
            var chain = await LabelAudit.LoadAsync(session, label.LabelId, default);
            var audited = EventDescriptions.Describe(chain!.Label!).Fields.ToDictionary(f => f.Name, f => f.Value);
            Assert.Equal(label.Judgements[0].SentRequest, audited["  sent 1"]);
            Assert.Equal("\"A\" -0.5108 (p 0.6), \"B\" -1.204 (p 0.3), \"I\" -2.9957 (p 0.05)", audited["  top log-probs 4"]);
            Assert.Contains("A/B mass 0.9 -> P(first) = 0.6667 -> P(response A) = ", audited["judgement 2"]);
        }
    }

    [Fact]
    public async Task Submit_refuses_a_labeller_model_without_log_probs_in_one_line_and_writes_nothing()
    {
        await using var services = await TestServices.StartAsync();
        // Chat only (no /completions, so no echo log-probs) and top_logprobs ignored: it generates but cannot label.
        await using var server = await LoopbackOpenAiServer.StartAsync();
        server.ChatOnly = true;
        server.IgnoreTopLogProbs = true;
        var remote = server.ModelId();
        var dir = Directory.CreateTempSubdirectory("cai-refuse-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "prompts.jsonl"), "{\"prompt\": \"Is it fine to borrow a ladder?\"}\n");
            var (exit, stdout, stderr) = await CliProcess.RunAsync(services.ProcessEnvironment(), Quick, "submit", "--prompts",
                Path.Combine(dir.FullName, "prompts.jsonl"), "--model", "builtin:echo", "--pairs", "--no-sl", "--feedback-model", remote);
            Assert.Equal(2, exit);
            Assert.Equal("", stdout);
            Assert.Equal($"error: model '{remote}' cannot serve as the labeller: it lacks label log-probs "
                + "(its /chat/completions gives 0 top log-prob(s) per position, at least 2 are needed)", stderr.Trim());
            Assert.Single(stderr.Trim().Split('\n'));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
        using var host = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(0, await session.Query<RunState>().CountAsync());
    }

    /// <summary>Log-probs as sent over JSON, rounded to 12 places so they compare with Math.Log of the same probability.</summary>
    private static TopLogProb Rounded(TopLogProb t) => t with { LogProb = Math.Round(t.LogProb, 12) };

    /// <summary>An observer for the use case that shows nothing (no builtin:demo, no sft: policy is named here).</summary>
    private sealed class QuietObserver : IRunObserver
    {
        public CaiEvents.Application.Demo.IDemoModelTrainingObserver DemoModel => null!;

        public void PolicyResolved(Guid sftRunId, PolicyCheckpointed checkpoint) { }

        public void Started(Guid runId, CaiEvents.Workers.Submission.RunRequest request, TransportKind transport) { }

        public Task<RunState> WatchAsync(Func<Action<RunState, RunProgress>, Task<RunState>> follow) => follow((_, _) => { });
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;

    private static async Task<ComparisonState> ComparisonAsync(IDocumentStore store, Guid runId, string promptPart)
    {
        await using var session = store.QuerySession();
        return (await RunQueries.ComparisonsAsync(session, runId, default)).Single(c => c.Prompt.Contains(promptPart));
    }

    /// <summary>The real models, plus <see cref="TopLogProbServer"/> under its id.</summary>
    private sealed class WithServer(TopLogProbServer server, IModelProvider inner) : IModelProvider
    {
        public ITextModel Get(string modelId) => modelId == TopLogProbServer.ModelId ? server : inner.Get(modelId);
    }

    /// <summary>
    /// A feedback model that scores the options as a chat-completions backend reading top log-probs does, with its evidence. Until
    /// <see cref="AnswersWell"/>, questions about one prompt put only 0.15 + 0.05 of the answer position on the options.
    /// </summary>
    private sealed class TopLogProbServer : ITextModel
    {
        public const string ModelId = "test:top-logprob-server";
        public const string Marker = "Test prompt number 2:";
        public static readonly ServedModel Served = new("chat-model", "loopback", null, 4096);
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _questions = new();

        public volatile bool AnswersWell;

        public ModelIdentity Identity { get; } = new(ModelId, "remote:stand-in", Served);

        public int QuestionsAbout(string part) => _questions.Count(q => q.Contains(part));

        public static string Request(string prompt) => JsonSerializer.Serialize(new { messages = prompt, max_tokens = 1, top_logprobs = 20 });

        public static IReadOnlyList<TopLogProb> Top(double first, double second) =>
            [new(" (A", Math.Log(first)), new(" (B", Math.Log(second)), new("I", Math.Log(0.05))];

        public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("soft labels only score");

        public Task<IReadOnlyList<ContinuationScore>> ScoreAsync(string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default)
        {
            _questions.Enqueue(prompt);
            var (first, second) = AnswersWell || !prompt.Contains(Marker) ? (0.6, 0.3) : (0.15, 0.05);
            var evidence = new OptionEvidence(Request(prompt), Top(first, second), first + second, new ServedModel("chat-model", SystemFingerprint: "fp_loopback"));
            IReadOnlyList<ContinuationScore> scores =
            [
                new(continuations[0], Math.Log(first), [Math.Log(first)], evidence),
                new(continuations[1], Math.Log(second), [Math.Log(second)], evidence),
            ];
            return Task.FromResult(scores);
        }

        public void Dispose() { }
    }
}
