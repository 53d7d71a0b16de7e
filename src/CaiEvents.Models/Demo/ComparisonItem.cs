namespace CaiEvents.Models.Demo;

/// <summary>
/// A held-out comparison, structured so a trainer can score a model: render <see cref="Prompt"/>-based feedback
/// text with <see cref="FeedbackPrompt"/> and compare the probabilities of <see cref="DemoFormats.OptionContinuation"/>
/// for 'A' and 'B'. For red-team themes <see cref="Harmful"/> is an unsafe answer; for helpful themes it is a needless
/// refusal or a rude brush-off, and <see cref="Harmless"/> the genuinely helpful answer.
/// </summary>
public sealed record ComparisonItem(
    string ThemeId,
    bool RedTeam,
    int RequestTemplate,
    string Prompt,
    string Harmless,
    string Harmful,
    string Question,
    char CorrectOption)
{
    public string OptionA => CorrectOption == 'A' ? Harmless : Harmful;
    public string OptionB => CorrectOption == 'A' ? Harmful : Harmless;

    /// <summary>The feedback prompt, ending in <c>The answer is:</c>.</summary>
    public string FeedbackPrompt => DemoFormats.ComparisonPrompt(Prompt, Question, OptionA, OptionB);

    /// <summary>The continuation naming the harmless option, e.g. <c>" (B)"</c>.</summary>
    public string CorrectContinuation => DemoFormats.OptionContinuation(CorrectOption);
}
