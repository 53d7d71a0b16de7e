namespace CaiEvents.Contracts;

/// <summary>
/// The band chain-of-thought labels are clamped into (<see cref="LabelMode.ChainOfThought"/>: such labels are over-confident,
/// so the paper clamps them, e.g. to [0.4, 0.6]); a run records its band in <see cref="FeedbackConfiguration"/>.
/// </summary>
public static class LabelClampBand
{
    public const double Low = 0.4;
    public const double High = 0.6;
}
