using System.Text.Json.Serialization;

namespace CaiEvents.Application.ModelManagement;

/// <summary>What <see cref="ModelInspection.Inspect"/> found out about a model.</summary>
/// <param name="Architecture">config.json's <c>model_type</c> for local models; <c>general.architecture</c> for GGUF files.</param>
/// <param name="DType">The dtype the weights are held in: as loaded for local models (CPU, float32), the file type for GGUF.</param>
/// <param name="ContextLength">Most positions the model takes; null for a model without weights (builtin:echo).</param>
/// <param name="AddsBos">Whether a prompt gets the bos id in front.</param>
/// <param name="ChatTemplate">The chat template's family, or null for a base model.</param>
/// <param name="ChatTemplateSha256">The first 16 hex digits of the template text's sha256 (as provenance records it), or null.</param>
/// <param name="CheckpointSha256">
/// The checkpoint hash provenance records for this model (a GGUF file's own sha256; base ‖ adapter combined for a LoRA adapter).
/// </param>
/// <param name="BaseSha256">For a LoRA adapter directory: its base checkpoint's hash; null otherwise.</param>
/// <param name="AdapterSha256">For a LoRA adapter directory: the sha256 of <c>adapter_model.safetensors</c>; null otherwise.</param>
public sealed record ModelInspectionResult(
    string Model,
    string Architecture,
    long Parameters,
    [property: JsonPropertyName("dtype")] string? DType,
    int? ContextLength,
    bool AddsBos,
    string? ChatTemplate,
    string? ChatTemplateSha256,
    IReadOnlyList<SpecialTokenInfo> SpecialTokens,
    string CheckpointSha256,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? BaseSha256 = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AdapterSha256 = null);
