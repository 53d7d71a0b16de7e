namespace CaiEvents.Domain.Constitutions;

/// <summary>A drawn feedback example and where its better answer is shown: as option (A) when <see cref="BetterFirst"/>, else as (B).</summary>
public sealed record PlacedFeedbackExample(FeedbackExample Example, bool BetterFirst)
{
    /// <summary>The option the example's answer names: <c>'A'</c> or <c>'B'</c>.</summary>
    public char Answer => BetterFirst ? 'A' : 'B';

    /// <summary>The answer shown as option (A).</summary>
    public string First => BetterFirst ? Example.Better : Example.Worse;

    /// <summary>The answer shown as option (B).</summary>
    public string Second => BetterFirst ? Example.Worse : Example.Better;
}
