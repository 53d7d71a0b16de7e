namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>
/// What <see cref="ScaleBenchmark"/> measured: the run's wall time (its RunStarted to its RunCompleted), samples/s over
/// the first and the last tenth of its final examples, what it holds (nothing lost or doubled), every process's peak RSS,
/// and the commands timed at its end.
/// </summary>
/// <param name="ExportedRows">Lines of the SL export.</param>
/// <param name="LoadBefore">1-minute load average when the benchmark started (other work on the machine).</param>
public sealed record ScaleResult(
    ScaleSettings Settings, Guid RunId, double Seconds, double FirstTenthSamplesPerS, double LastTenthSamplesPerS,
    RunAccounting Accounting, long ExportedRows, IReadOnlyList<ProcessPeak> Processes,
    CliCommandRun Submit, CliCommandRun Status, CliCommandRun Export, CliCommandRun Audit,
    double? LoadBefore, double? LoadAfter, int Processors)
{
    public double SamplesPerS => Settings.Prompts / Seconds;

    /// <summary>Samples/s over the last tenth as a fraction of the first tenth (1 = a flat cost per step).</summary>
    public double LastOverFirst => LastTenthSamplesPerS / FirstTenthSamplesPerS;
}
