using System.Text.Json.Serialization;

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
/// <param name="ChatTemplate">The chat template the prompt was rendered with, as <c>family@</c> and the first 16 hex digits
/// of the template text's sha256 (e.g. <c>chatml@0123456789abcdef</c>); null for the paper's plain text (base models).
/// Left out of the stored JSON when null, so events of base models are stored exactly as before.</param>
/// <param name="Served">What a remote server said about the model that produced the step (its <c>/v1/models</c> entry and the
/// response's <c>system_fingerprint</c>); null for local models. Left out of the stored JSON when null.</param>
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
    DateTimeOffset RecordedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ChatTemplate = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ServedModel? Served = null);
