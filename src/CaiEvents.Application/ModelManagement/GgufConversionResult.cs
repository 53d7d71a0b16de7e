namespace CaiEvents.Application.ModelManagement;

/// <summary>What <see cref="GgufConversion.Convert"/> wrote.</summary>
/// <param name="Architecture">The file's <c>general.architecture</c> (llama.cpp's name: mistral converts to <c>llama</c>).</param>
/// <param name="Sha256">sha256 of the written file, as a <c>gguf:</c> model reports it in provenance.</param>
public sealed record GgufConversionResult(string File, string FileType, string Architecture, int Tensors, long Parameters, long Bytes, string Sha256);
