using CaiEvents.Domain.Evaluation;

namespace CaiEvents.UnitTests.Evaluation;

public class EvaluationMathTests
{
    [Fact]
    public void Wilson_interval_matches_hand_worked_values()
    {
        // 8 of 10, z = 1.96: p = 0.8, z²/n = 0.38416, centre = 0.99208 / 1.38416 = 0.716738,
        // half = 1.96 · √(0.016 + 0.009604) / 1.38416 = 0.226581.
        var eight = WilsonInterval.Compute(8, 10, 1.96)!;
        Assert.Equal(0.490157, eight.Low, 2e-6);
        Assert.Equal(0.943319, eight.High, 2e-6);
        // 0 of 10: centre = half = 0.19208 / 1.38416 = 0.138770, so [0, 0.277540].
        var none = WilsonInterval.Compute(0, 10, 1.96)!;
        Assert.Equal(0, none.Low, 9);
        Assert.Equal(0.277540, none.High, 2e-6);
        // 1 of 3: centre = (1/3 + 0.640267) / 2.280533 = 0.426918, half = 1.96 · √(0.0740741 + 0.1067111) / 2.280533 = 0.365427.
        var third = WilsonInterval.Compute(1, 3, 1.96)!;
        Assert.Equal(0.061490, third.Low, 2e-6);
        Assert.Equal(0.792345, third.High, 2e-6);
        Assert.Null(WilsonInterval.Compute(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WilsonInterval.Compute(4, 3));
    }

    [Fact]
    public void Probability_of_the_correct_option_normalises_over_all_options()
    {
        Assert.Equal(0.25, ChoiceAccuracy.ProbabilityCorrect([Math.Log(0.2)], [Math.Log(0.6)]), 12);
        Assert.Equal(0.5, ChoiceAccuracy.ProbabilityCorrect([Math.Log(0.1), Math.Log(0.1)], [Math.Log(0.2)]), 12);
        // Very negative log-probabilities do not underflow to 0/0.
        Assert.Equal(0.75, ChoiceAccuracy.ProbabilityCorrect([-2000 + Math.Log(3)], [-2000]), 9);
    }

    [Fact]
    public void Choice_summary_counts_items_and_positions()
    {
        // Item 0: correct as (A) 0.9, as (B) 0.6 → mean 0.75, right. Item 1: 0.7 and 0.2 → 0.45, wrong. Item 2: one order, 0.3, wrong.
        var summary = ChoiceAccuracy.Summarise(3,
        [
            new ChoiceJudgement(0, 'A', 0.9), new ChoiceJudgement(0, 'B', 0.6),
            new ChoiceJudgement(1, 'A', 0.7), new ChoiceJudgement(1, 'B', 0.2),
            new ChoiceJudgement(2, null, 0.3),
        ]);
        Assert.Equal(1, summary.Correct);
        Assert.Equal(1 / 3.0, summary.Accuracy, 12);
        Assert.Equal(2, summary.JudgementsCorrectAtA);
        Assert.Equal(1.0, summary.AccuracyCorrectAtA);
        Assert.Equal(0.5, summary.AccuracyCorrectAtB);
        Assert.Equal(0.5, summary.PositionBias!.Value, 12);
        Assert.Equal(0.5, summary.MeanProbabilityCorrect, 12);
        Assert.Equal(0.0615, summary.Interval!.Low, 1e-3); // z = 1.95996 instead of 1.96 moves it in the sixth place
    }

    [Fact]
    public void Options_are_swapped_in_the_prompt_and_in_the_continuations()
    {
        Assert.Equal("Q?\nOptions:\n(A) blue\nsky\n(B) red\nThe answer is:", ChoiceOptions.SwapOptions("Q?\nOptions:\n(A) red\n(B) blue\nsky\nThe answer is:"));
        Assert.Equal("(A) two\n(B) one\n\nThe answer is: ", ChoiceOptions.SwapOptions("(A) one\n(B) two\n\nThe answer is: "));
        Assert.Null(ChoiceOptions.SwapOptions("Which? (A) or (B)\nThe answer is:"));
        Assert.Null(ChoiceOptions.SwapOptions("Q?\n(A) red\n(B) blue\nAnswer:"));
        Assert.Equal(" (B)", ChoiceOptions.Swap(" (A)"));
        Assert.Equal("(A)", ChoiceOptions.Swap("(B)"));
        Assert.Equal(" yes", ChoiceOptions.Swap(" yes"));
        Assert.Equal('B', ChoiceOptions.Position(" (B)"));
        Assert.Null(ChoiceOptions.Position(" maybe"));
    }

    [Fact]
    public void Label_report_numbers_match_hand_worked_values()
    {
        var p1 = Guid.Parse("00000000-0000-0000-0000-000000000001");
        var p2 = Guid.Parse("00000000-0000-0000-0000-000000000002");
        LabelledJudgement[] judgements =
        [
            new(p1, "x", "AB", 0.8), new(p1, "x", "BA", 0.6), // P = 0.7, bias |0.8 − 0.6| = 0.2
            new(p1, "y", "AB", 0.3), new(p1, "y", "BA", 0.5), // P = 0.4, bias 0.2
            new(p2, "x", "AB", 0.9), new(p2, "x", "BA", 0.9), // P = 0.9, bias 0
            new(p2, "y", "AB", 0.7),                          // P = 0.7, one order: no bias
        ];
        var report = LabelReportMath.Build(judgements, [0.52, 0.7, 0.46, 0.56], [(0.7, true), (0.3, true), (0.5, false), (0.2, false)]);
        var x = report.Principles.Single(p => p.PrincipleId == "x");
        Assert.Equal(2, x.Pairs);
        Assert.Equal(0.8, x.MeanProbabilityA, 12);
        Assert.Equal(0.1, x.SpreadProbabilityA, 12);
        Assert.Equal(0.8, x.MeanConfidence, 12);
        Assert.Equal(2, x.PairsWithBothOrders);
        Assert.Equal(0.1, x.MeanPositionBias!.Value, 12);
        var y = report.Principles.Single(p => p.PrincipleId == "y");
        Assert.Equal(0.55, y.MeanProbabilityA, 12);
        Assert.Equal(0.15, y.SpreadProbabilityA, 12);
        Assert.Equal(0.65, y.MeanConfidence, 12);
        Assert.Equal(0.2, y.MeanPositionBias!.Value, 12);
        var agreement = Assert.Single(report.Agreements);
        Assert.Equal(("x", "y", 2), (agreement.First, agreement.Second, agreement.Pairs));
        Assert.Equal(0.5, agreement.Agreement); // p1: 0.7 vs 0.4 differ; p2: 0.9 vs 0.7 agree
        Assert.Equal(3, report.PositionBiasCount);
        Assert.Equal(0.4 / 3, report.MeanPositionBias!.Value, 12);
        Assert.Equal(0.2, report.MaxPositionBias!.Value, 12);
        Assert.Equal(0.5, report.ShareNearHalf); // 0.52 and 0.46 are within 0.05 of ½
        Assert.Equal(3, report.HumanComparisons); // the ½ label takes no side
        Assert.Equal(2 / 3.0, report.HumanAgreement!.Value, 12);
        Assert.Equal(0.3, LabelReportMath.PositionBias(0.6, 0.7), 12); // |0.6 − (1 − 0.7)|
    }
}
