namespace CaiEvents.Contracts.Commands;

// Commands of the SL-CAI stage. Each names the run, the sample and the step, and nothing else:
// the consumer reads the rest (prompt, earlier turns, run configuration) from the event store, so a
// redelivered or replayed command always sees the same inputs. MassTransit routes by full type name,
// so the namespace is part of the wire contract: do not move these types.

/// <summary>What every SL command names: the run, the sample, and the step that caused it.</summary>
public interface ISampleCommand
{
    Guid RunId { get; }
    Guid SampleId { get; }
    Guid CausationId { get; }
}

/// <summary>Ask the Generator for the initial response to a sample's prompt.</summary>
public sealed record GenerateResponse(Guid RunId, Guid SampleId, Guid CausationId) : ISampleCommand;

/// <summary>Ask the Critic to critique the latest response of a sample (round is 1-based).</summary>
public sealed record CritiqueRequested(Guid RunId, Guid SampleId, int Round, Guid CausationId) : ISampleCommand;

/// <summary>Ask the Reviser to revise the latest response in the light of round's critique.</summary>
public sealed record RevisionRequested(Guid RunId, Guid SampleId, int Round, Guid CausationId) : ISampleCommand;

