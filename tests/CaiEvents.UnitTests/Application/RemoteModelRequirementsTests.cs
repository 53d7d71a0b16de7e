using CaiEvents.Application;
using CaiEvents.Application.Runs;
using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Prompts;
using CaiEvents.Models.Remote;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Submission;

namespace CaiEvents.UnitTests.Application;

/// <summary><c>run</c>/<c>submit</c> refuse, before anything is written, a remote model that lacks what its role needs.</summary>
public class RemoteModelRequirementsTests
{
    private const string Server = "openai:http://127.0.0.1:9/v1#m";
    private const string Other = "openai:http://127.0.0.1:9/v1#other";

    // A server that generates in chat but ignores top_logprobs and has no /completions: it cannot label.
    private static readonly ServerCapabilities ChatOnlyWithoutLogProbs = new(true, false, false, 0, true, true, null, []);
    private static readonly ServerCapabilities ChatWithTopLogProbs = new(true, false, false, 5, true, true, null, []);
    private static readonly ServerCapabilities CompletionsWithEcho = new(false, true, true, 0, true, false, null, []);
    private static readonly ServerCapabilities Nothing = new(false, false, false, 0, false, false, null, []);

    [Fact]
    public async Task A_labeller_without_log_probs_is_refused_in_one_line_naming_model_role_and_capability()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => Check(Request(Server, Server), Probe(ChatOnlyWithoutLogProbs), default));
        Assert.Equal($"model '{Server}' cannot serve as the labeller: it lacks label log-probs (its /chat/completions gives 0 top log-prob(s) per position, "
            + "at least 2 are needed)", e.Message);
    }

    [Fact]
    public async Task A_chat_server_without_top_log_probs_is_refused_even_with_echo_since_chat_is_what_the_model_would_speak()
    {
        var chatAndEcho = new ServerCapabilities(true, true, true, 0, true, true, null, []);
        var e = await Assert.ThrowsAsync<UsageException>(() => Check(Request("builtin:tiny", Server), Probe(chatAndEcho), default));
        Assert.EndsWith("at least 2 are needed; its /completions has echo log-probs: name the model with ?api=completions)", e.Message);
        await Check(Request("builtin:tiny", Server + "?api=completions"), Probe(chatAndEcho), default);
    }

    [Fact]
    public async Task A_completions_only_server_without_echo_cannot_label()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() =>
            Check(Request("builtin:tiny", Server), Probe(CompletionsWithEcho with { EchoLogProbs = false }), default));
        Assert.Equal($"model '{Server}' cannot serve as the labeller: it lacks label log-probs "
            + "(/chat/completions does not answer and /completions does not return prompt log-probs with echo)", e.Message);
    }

    [Fact]
    public async Task A_malformed_remote_id_is_one_line_naming_the_role()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() =>
            Check(Request("builtin:tiny", Server + "?api=grpc"), Probe(ChatWithTopLogProbs), default));
        Assert.StartsWith($"model '{Server}?api=grpc' (labeller): Remote model id", e.Message);
    }

    [Fact]
    public async Task A_generator_that_cannot_generate_is_refused_first()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => Check(Request(Server, "builtin:tiny"), Probe(Nothing), default));
        Assert.StartsWith($"model '{Server}' cannot serve as the generator: it cannot generate", e.Message);
    }

    [Fact]
    public async Task A_server_with_top_log_probs_or_echo_serves_every_role_and_is_probed_once_per_model()
    {
        var probed = new List<string>();
        await Check(Request(Server, Server), Probe(ChatWithTopLogProbs, probed), default);
        Assert.Equal([Server], probed);
        await Check(Request(Server, Other), Probe(CompletionsWithEcho, probed), default);
        Assert.Equal([Server, Server, Other], probed);
    }

    [Fact]
    public async Task Local_models_are_not_probed()
    {
        var probed = new List<string>();
        await Check(Request("builtin:tiny", "builtin:tiny"), Probe(Nothing, probed), default);
        Assert.Empty(probed);
    }

    [Fact]
    public async Task A_pairs_only_run_does_not_check_the_sl_roles()
    {
        var request = Request(Other, Server);
        request = request with { RunSlStage = false, Feedback = request.Feedback! with { PolicyModel = Server } };
        var probed = new List<string>();
        await Check(request, Probe(ChatWithTopLogProbs, probed), default);
        Assert.Equal([Server], probed);
    }

    [Fact]
    public async Task A_forced_api_must_itself_offer_what_the_role_needs()
    {
        // Chat top log-probs would do, but ?api=completions forces echo scoring, which this server lacks.
        var forced = Server + "?api=completions";
        var both = new ServerCapabilities(true, true, false, 5, true, true, null, []);
        var e = await Assert.ThrowsAsync<UsageException>(() => Check(Request("builtin:tiny", forced), Probe(both), default));
        Assert.Equal($"model '{forced}' cannot serve as the labeller: it lacks label log-probs (its /completions does not return prompt log-probs with echo)",
            e.Message);
    }

    [Fact]
    public async Task Chain_of_thought_labels_also_need_generation()
    {
        var request = Request("builtin:tiny", Server);
        request = request with { Feedback = request.Feedback! with { Mode = LabelMode.ChainOfThought } };
        var echoWithoutGeneration = new ServerCapabilities(false, false, true, 0, false, false, null, []);
        var e = await Assert.ThrowsAsync<UsageException>(() => Check(request, Probe(echoWithoutGeneration), default));
        Assert.StartsWith($"model '{Server}' cannot serve as the labeller (chain-of-thought reasoning): it cannot generate", e.Message);
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_is_an_infrastructure_failure_in_one_line_naming_the_role()
    {
        CapabilityProbe unreachable = (_, _) => throw new RemoteModelException("connection refused (http://127.0.0.1:9/v1/models)", "http://127.0.0.1:9/v1/models", 1);
        var e = await Assert.ThrowsAsync<CaiEvents.Hosting.ServiceUnreachableException>(() =>
            Check(Request(Server, Server), unreachable, default));
        Assert.Equal($"model '{Server}' (generator): could not probe the server: connection refused (http://127.0.0.1:9/v1/models)", e.Message);
    }

    [Fact]
    public void Provenance_of_a_remote_step_joins_the_models_entry_and_the_responses_fingerprint()
    {
        var listed = new ServedModel("m", "vllm", "/models/m", 2048);
        Assert.Equal(listed with { SystemFingerprint = "fp_2" }, RunContext.Served(listed, new ServedModel("m", SystemFingerprint: "fp_2")));
        Assert.Equal(listed, RunContext.Served(listed, null));
        Assert.Equal(new ServedModel("m", SystemFingerprint: "fp_2"), RunContext.Served(null, new ServedModel("m", SystemFingerprint: "fp_2")));
        Assert.Null(RunContext.Served(null, null)); // local models: nothing, so their events are stored as before
    }

    [Fact]
    public void A_generated_step_keeps_what_its_response_said_about_the_server()
    {
        var request = StepGeneration.Request(7, Guid.Empty, "response", "prompt", new SamplingParameters());
        var served = new ServedModel("m", SystemFingerprint: "fp_3");
        Assert.Equal(served, StepGeneration.From(request, new CaiEvents.Models.GenerationResult("text", 1, 1, served), new("openai:x#m", "h")).Served);
        Assert.Null(StepGeneration.From(request, new CaiEvents.Models.GenerationResult("text", 1, 1), new("builtin:tiny", "h")).Served);
    }

    [Fact]
    public async Task A_capability_missing_once_is_probed_again_and_only_missing_every_time_refuses()
    {
        // A busy server (429/5xx) makes the probe's checks inconclusive: the first answer lacks generation, the second has it.
        var answers = new Queue<ServerCapabilities>([Nothing, ChatWithTopLogProbs]);
        var probed = new List<string>();
        CapabilityProbe flaky = (modelId, _) =>
        {
            probed.Add(modelId);
            return Task.FromResult(answers.Count > 1 ? answers.Dequeue() : answers.Peek());
        };
        await Check(Request(Server, Server), flaky);
        Assert.Equal([Server, Server], probed);

        probed.Clear();
        await Assert.ThrowsAsync<UsageException>(() => Check(Request(Server, Server), Probe(Nothing, probed)));
        Assert.Equal(RemoteModelRequirements.Attempts, probed.Count);
    }

    private static Task Check(RunRequest request, CapabilityProbe probe, CancellationToken ct = default) =>
        RemoteModelRequirements.CheckAsync(request, probe, ct, TimeSpan.Zero);

    private static CapabilityProbe Probe(ServerCapabilities capabilities, List<string>? probed = null) => (modelId, _) =>
    {
        probed?.Add(modelId);
        return Task.FromResult(capabilities);
    };

    private static RunRequest Request(string slModel, string feedbackModel)
    {
        var sampling = new SamplingParameters();
        return new RunRequest([new PromptRecord(1, "p1", null, "Hello?")], "prompts.jsonl", ConstitutionLoader.LoadDefault(), "default", 1, 7,
            slModel, slModel, slModel, sampling,
            new FeedbackConfiguration(slModel, sampling, feedbackModel, 1, LabelMode.Soft, 0.4, 0.6, sampling, "v"));
    }
}
