namespace CaiEvents.Models.Gguf;

/// <summary>Element types of GGUF tensor data this project writes and reads (ggml's numbering).</summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
}
