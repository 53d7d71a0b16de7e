using System.Security.Cryptography;
using System.Text;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Models.Demo;
using CaiEvents.Workers.Labeller;

namespace CaiEvents.UnitTests.Rl;

public class PreferenceLabelTests
{
    private static readonly IReadOnlyList<ComparisonPrinciple> Principles = ConstitutionLoader.LoadDefault().Comparison;

    [Fact]
    public void Label_maths_on_hand_computed_values()
    {
        Assert.Equal(0.25, PreferenceLabelMath.Normalise(Math.Log(0.1), Math.Log(0.3)), 12);
        Assert.Equal(0.7, PreferenceLabelMath.ProbabilityOfA(0.3, swapped: true), 12);
        Assert.Equal(0.3, PreferenceLabelMath.ProbabilityOfA(0.3, swapped: false), 12);
        Assert.Equal(0.5, PreferenceLabelMath.Average([0.2, 0.8]), 12);
        Assert.Equal(0.6, PreferenceLabelMath.Clamp(0.93, 0.4, 0.6), 12);
        Assert.Equal(0.4, PreferenceLabelMath.Clamp(0.01, 0.4, 0.6), 12);
        Assert.Equal(0.55, PreferenceLabelMath.Clamp(0.55, 0.4, 0.6), 12);
        Assert.Equal([1.0, 0.0, 0.5], new[] { 0.51, 0.49, 0.5 }.Select(PreferenceLabelMath.Hard));
        Assert.Throws<ArgumentException>(() => PreferenceLabelMath.Clamp(0.5, 0.6, 0.4));
    }

    [Fact]
    public void The_feedback_question_is_exactly_what_the_demo_model_was_trained_on()
    {
        Assert.Equal(DemoFormats.ComparisonPrompt("Q?", "Which is kinder?", "one", "two"), FeedbackPrompt.Render("Q?", "Which is kinder?", "one", "two"));
        Assert.Equal(DemoFormats.OptionContinuation('A'), FeedbackPrompt.OptionA);
        Assert.Equal(DemoFormats.OptionContinuation('B'), FeedbackPrompt.OptionB);
    }

    [Fact]
    public async Task Swapping_the_two_responses_turns_p_into_one_minus_p()
    {
        using var model = new HashScoringModel();
        var forward = await Label(model, "answer one", "answer two", LabelMode.Soft, 2);
        var swapped = await Label(model, "answer two", "answer one", LabelMode.Soft, 2);
        Assert.Equal(1 - forward.ProbabilityA, swapped.ProbabilityA, 1e-5);
        Assert.Equal(4, forward.Judgements.Count); // 2 principles × 2 orders
        Assert.NotEqual(0.5, forward.ProbabilityA, 1e-6); // the fake model does have a preference
    }

    [Fact]
    public async Task An_ensemble_label_is_the_mean_of_the_single_principle_labels()
    {
        using var model = new HashScoringModel();
        var three = Principles.Take(3).ToList();
        var ensemble = await PreferenceLabeler.LabelAsync(model, "Q?", "x", "y", three, LabelMode.Soft, 0.4, 0.6, null, default);
        var singles = new List<double>();
        foreach (var p in three) singles.Add((await PreferenceLabeler.LabelAsync(model, "Q?", "x", "y", [p], LabelMode.Soft, 0.4, 0.6, null, default)).ProbabilityA);
        Assert.Equal(singles.Average(), ensemble.ProbabilityA, 1e-12);
    }

    [Fact]
    public async Task Chain_of_thought_labels_stay_within_the_clamp_band_and_record_their_reasoning()
    {
        using var model = new HashScoringModel();
        var values = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var label = await Label(model, $"first {i}", $"second {i}", LabelMode.ChainOfThought, 1);
            Assert.InRange(label.ProbabilityA, 0.4, 0.6);
            Assert.All(label.Judgements, j => Assert.StartsWith("Because", j.Reasoning));
            Assert.All(label.Judgements, j => Assert.EndsWith(FeedbackPrompt.AnswerLead, j.RenderedPrompt));
            Assert.Equal(label.AveragedProbabilityA is < 0.4 or > 0.6, label.Clamped);
            values.Add(label.AveragedProbabilityA);
        }
        Assert.Contains(values, v => v is < 0.4 or > 0.6); // clamping was exercised, not vacuous
    }

    [Fact]
    public async Task Hard_labels_are_zero_one_or_a_half()
    {
        using var model = new HashScoringModel();
        for (var i = 0; i < 10; i++)
            Assert.Contains((await Label(model, $"a{i}", $"b{i}", LabelMode.Hard, 1)).ProbabilityA, new[] { 0.0, 0.5, 1.0 });
    }

    [Fact]
    public void Comparison_streams_go_pair_then_label_then_nothing()
    {
        var run = Guid.NewGuid();
        var pair = DeterministicIds.Create(run, "pair:0");
        var p = new Provenance(run, pair, DeterministicIds.Step(pair, ComparisonSteps.Submitted), run, run, "t", "t", null, null, "c", "h", null, "v", null, null, DateTimeOffset.UnixEpoch);
        var state = ComparisonState.Start(new ComparisonSubmitted(pair, run, 0, "p", "Q?", "f", 1, p));
        Assert.Equal(new GenerateResponsePair(run, pair, p.StepId), RlDecider.NextCommand(state));
        Assert.Equal(StepDecisionKind.NotReady, RlDecider.DecideLabel(state).Kind);
        var generated = state.Evolve(new ResponsePairGenerated(pair, "prompt", new PairedResponse(Guid.NewGuid(), "a", 1), new PairedResponse(Guid.NewGuid(), "b", 2), p with { StepId = Guid.NewGuid() }));
        Assert.Equal(StepDecisionKind.AlreadyDone, RlDecider.DecidePair(generated).Kind);
        Assert.IsType<LabelPreference>(RlDecider.NextCommand(generated));
        var labelled = generated.Evolve(new PreferenceLabelled(pair, Guid.NewGuid(), generated.A!.ResponseId, generated.B!.ResponseId, LabelMode.Soft, [], 0.7, false, 0.4, 0.6, 0.7, "v", p));
        Assert.True(labelled.IsSettled);
        Assert.Null(RlDecider.NextCommand(labelled));
        Assert.Equal(StepDecisionKind.Settled, RlDecider.DecideLabel(labelled).Kind);
    }

    [Fact]
    public void Ensembles_draw_distinct_principles_reproducibly()
    {
        var item = Guid.NewGuid();
        var a = PrincipleSampler.ChooseDistinct(Principles, 4, 7, item, "comparison");
        Assert.Equal(4, a.Distinct().Count());
        Assert.Equal(a, PrincipleSampler.ChooseDistinct(Principles, 4, 7, item, "comparison"));
        Assert.Equal(Principles.Count, PrincipleSampler.ChooseDistinct(Principles, 99, 7, item, "comparison").Count);
    }

    [Theory]
    [InlineData(LabelMode.Soft)]
    [InlineData(LabelMode.Hard)]
    [InlineData(LabelMode.ChainOfThought)]
    public async Task Labelling_many_pairs_at_once_gives_the_single_pair_labels(LabelMode mode)
    {
        using var model = new CountingModel(new HashScoringModel());
        var pairs = ManyPairs();
        var batched = await PreferenceLabeler.LabelManyAsync(model, pairs, mode, 0.4, 0.6, default);
        Assert.Equal(mode == LabelMode.ChainOfThought ? 0 : 1, model.ScoreManyCalls); // soft/hard: one batched call
        await AssertSameAsSinglePairLabels(model, pairs, batched, mode, tolerance: 0);
    }

    [Theory]
    [InlineData(LabelMode.Soft)]
    [InlineData(LabelMode.Hard)]
    public async Task Labelling_many_pairs_with_a_real_model_matches_the_single_pair_path(LabelMode mode)
    {
        using var model = ModelCatalog.Load("builtin:tiny", new ModelOptions(Device: "cpu"));
        var pairs = ManyPairs();
        var batched = await PreferenceLabeler.LabelManyAsync(model, pairs, mode, 0.4, 0.6, default);
        await AssertSameAsSinglePairLabels(model, pairs, batched, mode, tolerance: 1e-5);
    }

    /// <summary>Pairs of different lengths and ensemble sizes, so the batch mixes prompt lengths.</summary>
    private static List<PreferencePair> ManyPairs() => Enumerable.Range(0, 6).Select(i => new PreferencePair(
        $"Question {i}: {string.Concat(Enumerable.Repeat("how do I fix this? ", i))}", $"answer {i} {new string('a', 3 * i)}", $"reply {i}",
        Principles.Skip(i % 3).Take(1 + i % 3).ToList(),
        (prompt, step, _) => Task.FromResult($"Because {step} matters for {prompt.Length}."))).ToList();

    private static async Task AssertSameAsSinglePairLabels(ITextModel model, List<PreferencePair> pairs, IReadOnlyList<PreferenceLabel> batched, LabelMode mode, double tolerance)
    {
        Assert.Equal(pairs.Count, batched.Count);
        for (var i = 0; i < pairs.Count; i++)
        {
            var p = pairs[i];
            var single = await PreferenceLabeler.LabelAsync(model, p.Prompt, p.ResponseA, p.ResponseB, p.Principles, mode, 0.4, 0.6, p.Reason, default);
            Assert.Equal(single.Judgements.Count, batched[i].Judgements.Count);
            for (var j = 0; j < single.Judgements.Count; j++)
            {
                var (s, b) = (single.Judgements[j], batched[i].Judgements[j]);
                Assert.Equal((s.PrincipleId, s.Order, s.RenderedPrompt, s.Reasoning), (b.PrincipleId, b.Order, b.RenderedPrompt, b.Reasoning));
                Assert.Equal(s.LogProbOptionA, b.LogProbOptionA, tolerance);
                Assert.Equal(s.LogProbOptionB, b.LogProbOptionB, tolerance);
                Assert.Equal(s.ProbabilityA, b.ProbabilityA, tolerance);
            }
            Assert.Equal(single.AveragedProbabilityA, batched[i].AveragedProbabilityA, tolerance);
            Assert.Equal(single.ProbabilityA, batched[i].ProbabilityA, tolerance);
            Assert.Equal(single.Clamped, batched[i].Clamped);
        }
    }

    private static Task<PreferenceLabel> Label(ITextModel model, string a, string b, LabelMode mode, int k) =>
        PreferenceLabeler.LabelAsync(model, "How do I fix a bike chain?", a, b, Principles.Take(k).ToList(), mode, 0.4, 0.6,
            (prompt, step, _) => Task.FromResult($"Because {step} matters."), default);

    /// <summary>A deterministic fake model: the log-probability of a continuation is a hash of (prompt, continuation).</summary>
    private sealed class HashScoringModel : ITextModel
    {
        public ModelIdentity Identity { get; } = new("test:hash", "none");

        public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<GenerationResult>>(requests.Select(_ => new GenerationResult("unused", 0, 0)).ToList());

        public Task<IReadOnlyList<ContinuationScore>> ScoreAsync(string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<ContinuationScore>>(continuations.Select(c =>
            {
                var h = SHA256.HashData(Encoding.UTF8.GetBytes(prompt + "\u0000" + c));
                var logProb = -(BitConverter.ToUInt16(h) % 4000) / 1000.0;
                return new ContinuationScore(c, logProb, [logProb]);
            }).ToList());

        public void Dispose() { }
    }

    /// <summary>Counts batched scoring calls; the inner model scores them with the interface's default (one prompt at a time).</summary>
    private sealed class CountingModel(ITextModel inner) : ITextModel
    {
        public int ScoreManyCalls { get; private set; }

        public ModelIdentity Identity => inner.Identity;

        public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
            inner.GenerateAsync(requests, cancellationToken);

        public Task<IReadOnlyList<ContinuationScore>> ScoreAsync(string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default) =>
            inner.ScoreAsync(prompt, continuations, cancellationToken);

        public Task<IReadOnlyList<IReadOnlyList<ContinuationScore>>> ScoreManyAsync(
            IReadOnlyList<(string Prompt, IReadOnlyList<string> Continuations)> items, CancellationToken cancellationToken = default)
        {
            ScoreManyCalls++;
            return inner.ScoreManyAsync(items, cancellationToken);
        }

        public void Dispose() => inner.Dispose();
    }
}
