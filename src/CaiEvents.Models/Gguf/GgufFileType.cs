namespace CaiEvents.Models.Gguf;

/// <summary>
/// Precision of a converted file's matrices (<c>general.file_type</c>: 0 all F32, 1 mostly F16).
/// 1-D tensors (norms, biases) stay F32 in both, as llama.cpp expects.
/// </summary>
public enum GgufFileType
{
    F32 = 0,
    F16 = 1,
}
