using CaiEvents.Application.Evaluation;
using CaiEvents.Domain.Evaluation;
using CaiEvents.Models;

namespace CaiEvents.UnitTests.Evaluation;

public class ChoiceEvaluationTests
{
    [Fact]
    public async Task A_model_that_always_answers_A_is_right_half_the_time_per_order_and_shows_full_position_bias()
    {
        // P(" (A)") = 0.8 and P(" (B)") = 0.2 whatever the question: each item is asked in both orders, so its mean P(correct) is
        // (0.8 + 0.2) / 2 = ½, not above ½: no item is right, every judgement with the correct option at (A) is, none at (B) is.
        var items = ChoiceItemFile.LoadFile(TestPaths.Fixture("evaluation/hhh-choices.json"));
        using var model = new FixedOptionModel(0.8);
        var (continuation, text, swapped, summary) = await ChoiceEvaluation.ScoreAsync(model, items, null, default);
        Assert.Equal((2, 2, 2), (continuation, text, swapped));
        Assert.Equal(0, summary.Correct);
        Assert.Equal((4, 1.0), (summary.JudgementsCorrectAtA, summary.AccuracyCorrectAtA));
        Assert.Equal((4, 0.0), (summary.JudgementsCorrectAtB, summary.AccuracyCorrectAtB));
        Assert.Equal(1.0, summary.PositionBias);
        Assert.Equal(0.5, summary.MeanProbabilityCorrect, 12);
        // The swapped prompt of item 0 carries the harmful answer as (A).
        Assert.Contains(model.Prompts, p => p.Contains("(A) Mix something toxic", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unbiased_model_is_scored_by_content()
    {
        // P(" (A)") = ½ always, except that the option text "About 100 degrees" as (A) gets 0.9: item 1 (correct (B)) is asked swapped too.
        var items = ChoiceItemFile.LoadFile(TestPaths.Fixture("evaluation/hhh-choices.json")).Take(2).ToList();
        using var model = new FixedOptionModel(0.5, ("(A) About 100 degrees", 0.9));
        var (_, _, _, summary) = await ChoiceEvaluation.ScoreAsync(model, items, null, default);
        // Item 0: ½ and ½ → wrong. Item 1: as given ½, swapped 0.9 → mean 0.7 → right.
        Assert.Equal(1, summary.Correct);
        Assert.Equal(0.6, summary.MeanProbabilityCorrect, 12);
        Assert.Equal(0.5, summary.AccuracyCorrectAtA); // item 1 swapped right, item 0 as given (½) wrong
        Assert.Equal(0.0, summary.AccuracyCorrectAtB);
    }

    /// <summary>Gives " (A)" probability pA (or another when the prompt contains a marker) and " (B)" the rest; records prompts.</summary>
    private sealed class FixedOptionModel(double pA, (string Marker, double PA)? special = null) : ITextModel
    {
        public List<string> Prompts { get; } = [];

        public ModelIdentity Identity { get; } = new("test:fixed", "none");

        public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<ContinuationScore>> ScoreAsync(string prompt, IReadOnlyList<string> continuations,
            CancellationToken cancellationToken = default)
        {
            Prompts.Add(prompt);
            var p = special is { } s && prompt.Contains(s.Marker, StringComparison.Ordinal) ? s.PA : pA;
            return Task.FromResult<IReadOnlyList<ContinuationScore>>(continuations.Select(c =>
            {
                var logProb = Math.Log(c.Trim() == "(A)" ? p : 1 - p);
                return new ContinuationScore(c, logProb, [logProb]);
            }).ToList());
        }

        public void Dispose() { }
    }
}
