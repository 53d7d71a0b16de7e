using CaiEvents.Domain.Sl;

namespace CaiEvents.UnitTests.Sl;

public class PromptFormatTests
{
    [Fact]
    public void Response_prompt_is_a_human_turn_followed_by_an_open_assistant_turn() =>
        Assert.Equal("Human: How do I bake bread?\n\nAssistant:", PromptFormat.RenderResponsePrompt("How do I bake bread?"));

    [Fact]
    public void Critique_prompt_continues_the_conversation_with_the_request()
    {
        var text = PromptFormat.RenderCritiquePrompt("Q?", "A.", [], "Is it harmful?");
        Assert.Equal("Human: Q?\n\nAssistant: A.\n\nCritique Request: Is it harmful?\n\nCritique:", text);
    }

    [Fact]
    public void Revision_prompt_holds_the_critique_and_ends_with_an_open_revision()
    {
        var text = PromptFormat.RenderRevisionPrompt("Q?", "A.", [], "Is it harmful?", "Yes, a little.", "Rewrite it.");
        Assert.Equal("Human: Q?\n\nAssistant: A.\n\nCritique Request: Is it harmful?\n\nCritique: Yes, a little.\n\nRevision Request: Rewrite it.\n\nRevision:", text);
    }

    [Fact]
    public void Later_rounds_carry_every_earlier_round_in_order()
    {
        var earlier = new[] { new CompletedRound("CR1", "C1", "RR1", "R1"), new CompletedRound("CR2", "C2", "RR2", "R2") };
        var text = PromptFormat.RenderCritiquePrompt("Q?", "A.", earlier, "CR3");
        Assert.Equal(
            "Human: Q?\n\nAssistant: A.\n\n" +
            "Critique Request: CR1\n\nCritique: C1\n\nRevision Request: RR1\n\nRevision: R1\n\n" +
            "Critique Request: CR2\n\nCritique: C2\n\nRevision Request: RR2\n\nRevision: R2\n\n" +
            "Critique Request: CR3\n\nCritique:", text);
    }

    [Theory]
    [InlineData(" It is fine.\n\nHuman: next question", "It is fine.")]
    [InlineData("Line one.\nLine two.\nRevision Request: more", "Line one.\nLine two.")]
    [InlineData("No marker at all  ", "No marker at all")]
    [InlineData("Mentions Human: mid-line stays", "Mentions Human: mid-line stays")]
    [InlineData("\nCritique: an echoed label at the very start is kept", "Critique: an echoed label at the very start is kept")]
    public void Generated_text_is_cut_at_the_next_turn_marker(string generated, string expected) =>
        Assert.Equal(expected, PromptFormat.CutAtTurnMarker(generated));

    [Theory]
    [InlineData("Sure, here is a revised response: I can't help with that, but here is a safer idea.", "I can't help with that, but here is a safer idea.")]
    [InlineData("Revision: Here's a rewritten version of the answer:\nTry asking a pharmacist.", "Try asking a pharmacist.")]
    [InlineData("Certainly! Here is a more harmless revised response that avoids the issue: Stay safe.", "Stay safe.")]
    [InlineData("\"A quoted answer.\"", "A quoted answer.")]
    [InlineData("Here is the plan for your garden: water daily.", "Here is the plan for your garden: water daily.")]
    [InlineData("Plain answer.\n\nHuman: again", "Plain answer.")]
    public void Revisions_lose_labels_and_boilerplate_but_keep_content(string generated, string expected) =>
        Assert.Equal(expected, PromptFormat.CleanRevision(generated));
}
