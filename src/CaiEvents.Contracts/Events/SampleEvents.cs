using System.Text.Json.Serialization;

namespace CaiEvents.Contracts.Events;

// Events of one sample stream (one prompt in one run), in the order they occur.

public sealed record PromptSubmitted(
    Guid SampleId,
    Guid RunId,
    int Index,
    string PromptId,
    string? Kind,
    string Prompt,
    string PromptSource,
    int SourceLine,
    Provenance Provenance);

public sealed record ResponseGenerated(
    Guid SampleId,
    string RenderedPrompt,
    string Response,
    Provenance Provenance);

/// <param name="FewShot">The worked examples prepended to the prompt (ids and hashes); null, and left out of the stored JSON, when none.</param>
public sealed record CritiqueProduced(
    Guid SampleId,
    int Round,
    string PrincipleId,
    string CritiqueRequest,
    string RenderedPrompt,
    string Critique,
    Provenance Provenance,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<FewShotUse>? FewShot = null);

/// <param name="FewShot">The worked examples prepended to the prompt (ids and hashes); null, and left out of the stored JSON, when none.</param>
public sealed record RevisionProduced(
    Guid SampleId,
    int Round,
    string PrincipleId,
    string RevisionRequest,
    string RenderedPrompt,
    string RawText,
    string Revision,
    Provenance Provenance,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<FewShotUse>? FewShot = null);

/// <summary>The supervised example: the prompt and the final revision.</summary>
public sealed record SlExampleFinalized(
    Guid SampleId,
    string Prompt,
    string Completion,
    int Rounds,
    Provenance Provenance);

/// <summary>A step that failed after its retries. Never a silent gap: the sample ends here.</summary>
public sealed record SampleStepFailed(
    Guid SampleId,
    string Step,
    int Round,
    string ErrorType,
    string ErrorMessage,
    Provenance Provenance);
