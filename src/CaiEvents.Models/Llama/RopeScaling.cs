namespace CaiEvents.Models.Llama;

/// <summary>
/// A <c>rope_scaling</c> entry of a Hugging Face <c>config.json</c>: <c>linear</c> (positions divided by
/// <paramref name="Factor"/>, i.e. every inverse frequency divided by it) or <c>llama3</c> (Llama 3.1's wavelength bands).
/// </summary>
/// <param name="Type"><c>linear</c> or <c>llama3</c>.</param>
/// <param name="Factor">How much longer the context is than the one the model was trained on.</param>
/// <param name="LowFreqFactor">llama3 only: wavelengths above original/low_freq_factor are divided by <paramref name="Factor"/>.</param>
/// <param name="HighFreqFactor">llama3 only: wavelengths below original/high_freq_factor are kept.</param>
/// <param name="OriginalMaxPositionEmbeddings">llama3 only: the context length before scaling.</param>
public sealed record RopeScaling(
    string Type,
    double Factor,
    double? LowFreqFactor = null,
    double? HighFreqFactor = null,
    int? OriginalMaxPositionEmbeddings = null)
{
    public const string Linear = "linear";
    public const string Llama3 = "llama3";
}
