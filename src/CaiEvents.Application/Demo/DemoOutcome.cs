using CaiEvents.EventStore;

namespace CaiEvents.Application.Demo;

/// <summary>
/// The end of a demo: the run and its SL dataset, and the RL artefacts (null with <c>--stages sl</c>, or when the run gave
/// no SL examples or no labels: <see cref="RlSkipped"/>).
/// </summary>
public sealed record DemoOutcome(RunState Run, string SlDataset, int SlExamples, DemoRlArtefacts? Rl, TimeSpan Elapsed)
{
    /// <summary>The RL stages were asked for but could not start (the counts are in <see cref="SkippedLabels"/>).</summary>
    public bool RlSkipped { get; init; }

    public int SkippedLabels { get; init; }
}
