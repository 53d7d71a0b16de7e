namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>What <see cref="ScaleBenchmark"/> measures.</summary>
/// <param name="Prompts">Prompts in the run.</param>
/// <param name="Revisions">Critique/revision rounds per prompt.</param>
/// <param name="Workers">`cai worker generator critic reviser` processes.</param>
/// <param name="ConcurrencyPerWorker">Messages each role of each worker process handles at once.</param>
public sealed record ScaleSettings(int Prompts, int Revisions, int Workers, int ConcurrencyPerWorker)
{
    /// <summary>Tokens per step: <c>builtin:echo</c> costs nothing either way, this only sizes the events.</summary>
    public const int MaxNewTokens = 16;
}
