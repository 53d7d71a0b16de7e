namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>Counts over a finished SL run's sample streams (<see cref="BenchmarkEnvironment.AccountingAsync"/>).</summary>
/// <param name="DuplicateSteps">(sample, event type, round) triples recorded more than once: a step done twice.</param>
public sealed record RunAccounting(long Samples, long FinalizedEvents, long FinalizedSamples, long Failures, long DuplicateSteps)
{
    /// <summary>Samples without a final example.</summary>
    public long Lost => Samples - FinalizedSamples;

    /// <summary>Final examples beyond the first of their sample.</summary>
    public long Doubled => FinalizedEvents - FinalizedSamples;

    /// <summary>Exactly one final example per sample, no failure, no step twice.</summary>
    public bool ExactlyOnce => Lost == 0 && Doubled == 0 && Failures == 0 && DuplicateSteps == 0;
}
