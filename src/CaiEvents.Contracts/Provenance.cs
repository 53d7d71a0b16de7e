namespace CaiEvents.Contracts;

/// <summary>
/// Where a datapoint came from. Every event carries one, so any event can be explained without
/// reading anything else: which run and sample, what caused it, which worker, model, constitution,
/// principle, template, sampling parameters and seed produced it, and when.
/// </summary>
/// <param name="StepId">Deterministic id of this step (derived from sample id and step name), also the id
/// that later steps name as their <see cref="CausationId"/>.</param>
/// <param name="CausationId">StepId of the event (or the run) that caused this step.</param>
/// <param name="CorrelationId">Id shared by everything in one run (the run id).</param>
public sealed record Provenance(
    Guid RunId,
    Guid SampleId,
    Guid StepId,
    Guid CausationId,
    Guid CorrelationId,
    string WorkerRole,
    string WorkerInstance,
    string? ModelId,
    string? CheckpointHash,
    string ConstitutionId,
    string ConstitutionHash,
    string? PrincipleId,
    string PromptTemplateVersion,
    SamplingParameters? Sampling,
    long? Seed,
    DateTimeOffset RecordedAt);
