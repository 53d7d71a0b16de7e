namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>What <see cref="RawMartenBaseline"/> appended and how long it took.</summary>
/// <param name="AppendMode">Marten's append mode of the raw store (its default).</param>
public sealed record RawMartenBaselineResult(long Events, int Transactions, int Writers, double Seconds, string AppendMode)
{
    public double EventsPerS => Events / Seconds;
}
