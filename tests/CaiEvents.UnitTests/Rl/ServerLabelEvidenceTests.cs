using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Rl;
using CaiEvents.EventStore.Audit;
using CaiEvents.Models;
using CaiEvents.Models.Chat;
using CaiEvents.Workers.Labeller;

namespace CaiEvents.UnitTests.Rl;

/// <summary>Labels read from a server's top log-probs: the evidence each judgement records, the option-mass check, the audit text.</summary>
public class ServerLabelEvidenceTests
{
    private static readonly IReadOnlyList<ComparisonPrinciple> OnePrinciple = [ConstitutionLoader.LoadDefault().Comparison[0]];

    [Fact]
    public async Task Each_judgement_records_the_request_the_top_log_probs_and_the_mass_of_its_scoring_call()
    {
        // The option shown first gets p = 0.6 and the second p = 0.2 of the answer position (mass 0.8), so by hand:
        // P(first) = 0.6 / 0.8 = 0.75; order AB gives P(A) = 0.75, order BA gives P(A) = 0.25; their mean is 0.5.
        using var model = new EvidenceModel(pFirst: 0.6, pSecond: 0.2, fingerprint: "fp_1");
        var label = await PreferenceLabeler.LabelAsync(model, "Q?", "x", "y", OnePrinciple, LabelMode.Soft, 0.4, 0.6, null, default);

        Assert.Equal(["AB", "BA"], label.Judgements.Select(j => j.Order));
        Assert.All(label.Judgements, j =>
        {
            Assert.Equal(0.8, j.OptionMass!.Value, 12);
            Assert.Equal(0.75, j.ProbabilityFirstOption, 12);
            Assert.Equal($"sent:{j.RenderedPrompt}", j.SentRequest);
            Assert.Equal([new TopLogProb(" (A", Math.Log(0.6)), new TopLogProb(" (B", Math.Log(0.2)), new TopLogProb("I", Math.Log(0.15))],
                j.TopLogProbs!);
        });
        Assert.Equal([0.75, 0.25], label.Judgements.Select(j => Math.Round(j.ProbabilityA, 12)));
        Assert.Equal(0.5, label.ProbabilityA, 12);
        Assert.Equal("fp_1", label.Served?.SystemFingerprint);
    }

    [Fact]
    public async Task Batched_labels_record_the_same_evidence_as_single_ones()
    {
        using var model = new EvidenceModel(pFirst: 0.3, pSecond: 0.5, fingerprint: null);
        var single = await PreferenceLabeler.LabelAsync(model, "Q?", "x", "y", OnePrinciple, LabelMode.Hard, 0.4, 0.6, null, default);
        var batched = await PreferenceLabeler.LabelManyAsync(model, [new PreferencePair("Q?", "x", "y", OnePrinciple)], LabelMode.Hard, 0.4, 0.6, default);
        Assert.Equal(JsonSerializer.Serialize(single.Judgements), JsonSerializer.Serialize(batched[0].Judgements));
        Assert.All(batched[0].Judgements, j => Assert.Equal(0.8, j.OptionMass!.Value, 12));
        Assert.Null(batched[0].Served);
    }

    [Fact]
    public async Task Chain_of_thought_on_a_chat_server_writes_the_reasoning_then_asks_for_the_answer_and_clamps()
    {
        // (A) 0.9 and (B) 0.05 for the option shown first/second: P(first) = 0.9 / 0.95 ≈ 0.947, far outside [0.4, 0.6].
        using var model = new EvidenceModel(pFirst: 0.9, pSecond: 0.05, fingerprint: null,
            ChatTemplates.ServerSide("chat template of http://test/v1#m, applied by the server"));
        var reasoningPrompts = new List<string>();
        var label = await PreferenceLabeler.LabelAsync(model, "Q?", "x", "y", OnePrinciple, LabelMode.ChainOfThought, 0.4, 0.6,
            (prompt, _, _) =>
            {
                reasoningPrompts.Add(prompt);
                return Task.FromResult("Because x is kinder.");
            }, default);

        Assert.Equal(2, reasoningPrompts.Count);
        var (messages, reasoningPrefill) = ServerChatMessages.Decode(reasoningPrompts[0]);
        Assert.Equal("user", messages[^1].Role);
        Assert.Equal(FeedbackPrompt.ReasoningLead, reasoningPrefill);
        Assert.All(label.Judgements, j =>
        {
            Assert.Equal("Because x is kinder.", j.Reasoning);
            // The answer is asked after the reasoning, as the assistant's continued turn; the evidence of that question is recorded.
            Assert.EndsWith("Because x is kinder.\n" + FeedbackPrompt.AnswerLead, ServerChatMessages.Decode(j.RenderedPrompt).Prefill);
            Assert.Equal($"sent:{j.RenderedPrompt}", j.SentRequest);
            Assert.Equal(0.95, j.OptionMass!.Value, 12);
        });
        Assert.Equal(0.5, label.AveragedProbabilityA, 12); // 0.947 (AB) and 0.053 (BA) average to 1/2: inside the band
        Assert.False(label.Clamped);
    }

    [Fact]
    public void A_mass_below_the_threshold_is_a_failure_naming_principle_order_mass_and_threshold()
    {
        FeedbackJudgement[] judgements = [Judgement("harmless", "AB", 0.9), Judgement("harmless", "BA", 0.3125), Judgement("honest", "AB", null)];
        var failure = OptionMassCheck.Failure(judgements, 0.5);
        Assert.Equal("A/B option mass below the threshold 0.5 (Workers:Labeller:MinOptionMass) in 1 of 3 judgement(s): "
            + "principle harmless, order BA: A/B mass 0.3125; the top log-probs hold too little of an (A)/(B) answer to normalise", failure);
    }

    [Fact]
    public void Exact_scores_and_a_mass_at_the_threshold_pass_and_a_missing_mass_of_NaN_does_not()
    {
        Assert.Null(OptionMassCheck.Failure([Judgement("p", "AB", null), Judgement("p", "BA", null)], 0.5));
        Assert.Null(OptionMassCheck.Failure([Judgement("p", "AB", 0.5)], 0.5));
        Assert.NotNull(OptionMassCheck.Failure([Judgement("p", "AB", double.NaN)], 0.5));
        Assert.Null(OptionMassCheck.Failure([Judgement("p", "AB", 0.01)], 0.0)); // 0 switches the check off
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_threshold_outside_0_to_1_is_refused_naming_the_setting(double threshold)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => OptionMassCheck.Validate(threshold));
        Assert.Contains("Workers:Labeller:MinOptionMass", e.Message);
    }

    [Fact]
    public void The_labellers_default_threshold_is_one_half()
    {
        Assert.Equal(0.5, new LabellerOptions().MinOptionMass);
    }

    [Fact]
    public void A_judgement_of_exact_scores_is_stored_without_the_evidence_fields()
    {
        var json = JsonSerializer.Serialize(Judgement("p", "AB", null));
        Assert.DoesNotContain("TopLogProbs", json);
        Assert.DoesNotContain("OptionMass", json);
        Assert.DoesNotContain("SentRequest", json);
    }

    [Fact]
    public void The_audit_of_a_server_label_shows_the_request_sent_the_top_log_probs_the_mass_and_the_probability()
    {
        var judgement = Judgement("harmless", "AB", 0.8) with
        {
            SentRequest = "{\"messages\":[]}",
            TopLogProbs = [new(" (A", Math.Log(0.6)), new("B", Math.Log(0.2))],
        };
        var fields = EventDescriptions.Describe(Labelled(judgement)).Fields.ToDictionary(f => f.Name, f => f.Value);

        Assert.Contains("A/B mass 0.8 ", fields["judgement 1"]);
        Assert.EndsWith("-> P(first) = 0.75 -> P(response A) = 0.75", fields["judgement 1"]);
        Assert.Equal("{\"messages\":[]}", fields["  sent 1"]);
        // ln 0.6 = -0.510826, ln 0.2 = -1.609438; the tokens quoted so their leading space shows.
        Assert.Equal("\" (A\" -0.5108 (p 0.6), \"B\" -1.6094 (p 0.2)", fields["  top log-probs 1"]);
    }

    [Fact]
    public void The_audit_of_a_local_label_is_unchanged()
    {
        var names = EventDescriptions.Describe(Labelled(Judgement("harmless", "AB", null))).Fields.Select(f => f.Name).ToList();
        Assert.Equal(["judgement 1", "  prompt 1", "average", "clamping", "P(A preferred)"], names);
    }

    [Fact]
    public void A_served_model_reads_as_one_line()
    {
        Assert.Equal("id m1, owned by vllm, root /models/m1, max length 4096, system_fingerprint fp_9",
            EventDescriptions.Served(new ServedModel("m1", "vllm", "/models/m1", 4096, "fp_9")));
        Assert.Equal("id m1", EventDescriptions.Served(new ServedModel("m1")));
    }

    private static FeedbackJudgement Judgement(string principle, string order, double? mass) =>
        new(principle, order, "prompt", null, Math.Log(0.6), Math.Log(0.2), 0.75, 0.75, OptionMass: mass);

    private static PreferenceLabelled Labelled(FeedbackJudgement judgement)
    {
        var provenance = new Provenance(Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, "labeller", "w", "m", "h", "c", "hash", "p",
            "v", null, null, DateTimeOffset.UnixEpoch);
        return new PreferenceLabelled(Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, LabelMode.Soft, [judgement], 0.75, false, 0.4, 0.6, 0.75, "v",
            provenance);
    }

    /// <summary>
    /// Scores the two options as a chat-completions backend reading top log-probs would: the first option gets
    /// <c>pFirst</c>, the second <c>pSecond</c>, and the evidence (request, top log-probs, mass) rides on both scores.
    /// </summary>
    private sealed class EvidenceModel(double pFirst, double pSecond, string? fingerprint, ChatTemplate? template = null) : ITextModel
    {
        public ModelIdentity Identity { get; } = new("openai:http://test/v1#m", "stand-in", new ServedModel("m"));

        public ChatTemplate? ChatTemplate => template;

        public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<ContinuationScore>> ScoreAsync(string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default)
        {
            var evidence = new OptionEvidence($"sent:{prompt}",
                [new TopLogProb(" (A", Math.Log(pFirst)), new TopLogProb(" (B", Math.Log(pSecond)), new TopLogProb("I", Math.Log(0.15))],
                pFirst + pSecond, fingerprint is null ? null : new ServedModel("m", SystemFingerprint: fingerprint));
            IReadOnlyList<ContinuationScore> scores =
            [
                new(continuations[0], Math.Log(pFirst), [Math.Log(pFirst)], evidence),
                new(continuations[1], Math.Log(pSecond), [Math.Log(pSecond)], evidence),
            ];
            return Task.FromResult(scores);
        }

        public void Dispose() { }
    }
}
