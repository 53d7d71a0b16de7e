namespace CaiEvents.Models.Lora;

/// <summary>
/// What an <c>adapter_config.json</c> says: the LoRA shape, the base model (<c>base_model_name_or_path</c>: an absolute directory, one
/// relative to the adapter directory, or an <c>hf:</c> id), whether the wrapped weights are stored [in, out] (<c>fan_in_fan_out</c>,
/// true for GPT-2's Conv1D), the fully trained modules saved beside the adapter (<c>modules_to_save</c>, e.g. a reward model's
/// <c>score</c>) and PEFT's <c>task_type</c>.
/// </summary>
public sealed record PeftAdapterConfig(
    LoraConfig Lora, string BaseModelNameOrPath, bool FanInFanOut, IReadOnlyList<string> ModulesToSave, string TaskType);
