using CaiEvents.Contracts;
using CaiEvents.Models.Remote;

namespace CaiEvents.UnitTests.Models.Remote;

/// <summary>The token rule, masses and floor worked by hand (natural logs; e^−0.5 = 0.6065306597, e^−1 = 0.3678794412, e^−2 = 0.1353352832).</summary>
public class TopLogProbOptionsTests
{
    [Theory]
    [InlineData("A", true)]
    [InlineData(" A", true)]
    [InlineData("(A", true)]
    [InlineData(" (A", true)]
    [InlineData("A)", true)]
    [InlineData("(A)", true)]
    [InlineData(" (A) ", true)]
    [InlineData("\tA\n", true)]
    [InlineData("a", false)]
    [InlineData("AB", false)]
    [InlineData("((A", false)]
    [InlineData("A))", false)]
    [InlineData(" ( A", false)]
    [InlineData("(", false)]
    [InlineData("", false)]
    [InlineData("B", false)]
    public void Token_rule_for_key_A(string token, bool counts) => Assert.Equal(counts, TopLogProbOptions.CountsFor(token, "A"));

    [Fact]
    public void The_feedback_options_split_into_their_shared_opening_and_keys()
    {
        var split = TopLogProbOptions.Split([" (A)", " (B)"]);

        Assert.Equal(" (", split.Prefix);
        Assert.Equal(["A", "B"], split.Keys);
    }

    [Fact]
    public void Options_without_a_shared_opening_have_an_empty_prefix()
    {
        Assert.Equal("", TopLogProbOptions.Split(["Yes", "No"]).Prefix);
        Assert.Equal(["Yes", "No"], TopLogProbOptions.Split(["Yes", "No"]).Keys);
        Assert.Equal("", TopLogProbOptions.Split([" (A)", "B"]).Prefix);
        Assert.Equal(" ", TopLogProbOptions.Split([" (A)", " B"]).Prefix);
    }

    [Theory]
    [InlineData(" (A)", "A")]
    [InlineData(" (A)", " ( )")]
    public void Options_that_cannot_be_told_apart_are_rejected(string first, string second)
    {
        var e = Assert.Throws<ArgumentException>(() => TopLogProbOptions.Split([first, second]));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void An_options_mass_sums_every_token_that_counts_for_it()
    {
        TopLogProb[] entries = [new("A", -0.5), new(" A", -2.0), new("B", -1.0), new("(A", Math.Log(0.01)), new("The", -3.0)];

        // A: e^-0.5 + e^-2 + 0.01 = 0.6065306597 + 0.1353352832 + 0.01
        Assert.Equal(0.7518659429, TopLogProbOptions.Mass(entries, "A"), 9);
        Assert.Equal(0.3678794412, TopLogProbOptions.Mass(entries, "B"), 9);
        Assert.Equal(0.0, TopLogProbOptions.Mass(entries, "C"));
    }

    [Fact]
    public void After_an_opening_parenthesis_the_second_position_is_weighted_by_its_probability()
    {
        TopLogProb[] first = [new("(", Math.Log(0.8)), new("The", Math.Log(0.1)), new("A", Math.Log(0.05))];
        TopLogProb[] second = [new("A", Math.Log(0.6)), new("B", Math.Log(0.3)), new("C", Math.Log(0.05))];

        var masses = TopLogProbOptions.OptionMasses(["A", "B"], first, first[0], " (", second);

        Assert.Equal(0.53, masses[0], 12); // 0.05 + 0.8 × 0.6
        Assert.Equal(0.24, masses[1], 12); // 0.8 × 0.3
    }

    [Fact]
    public void When_position_0_is_not_the_opening_the_second_position_is_not_read()
    {
        TopLogProb[] first = [new("The", Math.Log(0.5)), new("(", Math.Log(0.3)), new(" A", Math.Log(0.05))];
        TopLogProb[] second = [new("answer", Math.Log(0.9)), new("A", Math.Log(0.01))];

        var masses = TopLogProbOptions.OptionMasses(["A", "B"], first, first[0], " (", second);

        Assert.Equal(0.05, masses[0], 12);
        Assert.Equal(0.0, masses[1]);
    }

    [Fact]
    public void Absent_options_get_the_finite_floor()
    {
        Assert.Equal(-100.0, TopLogProbOptions.FloorLogProb);
        Assert.Equal(-100.0, TopLogProbOptions.LogProbOrFloor(0.0));
        Assert.Equal(-100.0, TopLogProbOptions.LogProbOrFloor(1e-50)); // ln 1e-50 = -115.1
        Assert.Equal(-100.0, TopLogProbOptions.LogProbOrFloor(double.NaN));
        Assert.Equal(-1.3862943611198906, TopLogProbOptions.LogProbOrFloor(0.25), 15); // ln 1/4
        Assert.Equal(0.0, TopLogProbOptions.LogProbOrFloor(1.0));
    }

    [Fact]
    public void Non_finite_log_probabilities_carry_no_probability_and_are_recorded_as_the_floor()
    {
        Assert.Equal(0.0, TopLogProbOptions.Probability(double.NegativeInfinity));
        Assert.Equal(0.0, TopLogProbOptions.Probability(double.NaN));
        Assert.Equal(0.0, TopLogProbOptions.Probability(-100.0));
        Assert.Equal(1.0, TopLogProbOptions.Probability(0.0));
        Assert.Equal(-100.0, TopLogProbOptions.Recordable(double.NegativeInfinity));
        Assert.Equal(-100.0, TopLogProbOptions.Recordable(double.NaN));
        Assert.Equal(-0.25, TopLogProbOptions.Recordable(-0.25));
    }
}
