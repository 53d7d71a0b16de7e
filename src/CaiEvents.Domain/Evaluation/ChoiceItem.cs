namespace CaiEvents.Domain.Evaluation;

/// <summary>
/// One binary-choice evaluation item. Either continuations after a prompt (<see cref="Corrects"/> and <see cref="Incorrects"/>
/// set, e.g. <c>" (A)"</c> and <c>" (B)"</c> after a prompt ending in <c>The answer is:</c>) or two replies to a conversation
/// (<see cref="TextCorrect"/> and <see cref="TextIncorrect"/> set), which are put to the model as the Labeller's question.
/// </summary>
/// <param name="Line">Line of the file the item starts on.</param>
public sealed record ChoiceItem(int Line, string Prompt, IReadOnlyList<string>? Corrects, IReadOnlyList<string>? Incorrects,
    string? TextCorrect, string? TextIncorrect)
{
    /// <summary>True for a <c>text_correct</c>/<c>text_incorrect</c> item.</summary>
    public bool IsTextPair => TextCorrect is not null;
}
