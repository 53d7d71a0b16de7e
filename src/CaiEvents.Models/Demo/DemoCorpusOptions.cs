namespace CaiEvents.Models.Demo;

/// <summary>Generator settings. Everything here goes into the recipe hash.</summary>
/// <param name="Seed">Master seed: same seed, inputs and options give byte-identical output.</param>
/// <param name="TrainChars">Stop adding training documents once their text (with separators) reaches this many characters.</param>
/// <param name="HeldOutChars">Same, for the held-out documents.</param>
/// <param name="HeldOutComparisons">Number of structured held-out comparison items (for measuring harmless preference).</param>
/// <param name="TwoRoundFraction">Share of critique/revision documents that get a second round.</param>
/// <param name="ThemeSpecificAnswerShare">Chance of using a theme's own answer rather than a shared template, when it has one.</param>
/// <param name="RelevantPrincipleShare">Chance of picking a principle the theme is tagged with (when any is among the inputs).</param>
public sealed record DemoCorpusOptions(
    int Seed = 1234,
    int TrainChars = 3_000_000,
    int HeldOutChars = 150_000,
    int HeldOutComparisons = 400,
    double TwoRoundFraction = 0.25,
    double ThemeSpecificAnswerShare = 0.65,
    double RelevantPrincipleShare = 0.75,
    DemoCorpusMix? Mix = null)
{
    public DemoCorpusMix EffectiveMix => Mix ?? new DemoCorpusMix();
}
