using CaiEvents.Contracts;
using CaiEvents.Domain.Chat;
using CaiEvents.Domain.Sl;

namespace CaiEvents.UnitTests.Chat;

public sealed class RoleDialoguesTests
{
    private static ChatMessage U(string content) => new("user", content);
    private static ChatMessage A(string content) => new("assistant", content);

    [Fact]
    public void The_response_step_is_the_prompt_as_a_user_turn() =>
        Assert.Equal([U("How do I pick a lock?")], RoleDialogues.Response("How do I pick a lock?"));

    [Fact]
    public void The_critique_step_puts_the_request_after_the_answer_and_earlier_rounds()
    {
        var earlier = new[] { new CompletedRound("cr1", "c1", "rr1", "r1") };
        Assert.Equal([U("P"), A("R0"), U("cr2")], RoleDialogues.Critique("P", "R0", [], "cr2"));
        Assert.Equal([U("P"), A("R0"), U("cr1"), A("c1"), U("rr1"), A("r1"), U("cr2")], RoleDialogues.Critique("P", "R0", earlier, "cr2"));
    }

    [Fact]
    public void The_revision_step_adds_the_critique_and_the_revision_request()
    {
        var earlier = new[] { new CompletedRound("cr1", "c1", "rr1", "r1") };
        Assert.Equal([U("P"), A("R0"), U("cr1"), A("c1"), U("rr1"), A("r1"), U("cr2"), A("c2"), U("rr2")],
            RoleDialogues.Revision("P", "R0", earlier, "cr2", "c2", "rr2"));
    }

    [Fact]
    public void The_feedback_question_is_one_user_turn_without_the_answer_lead()
    {
        var question = "Consider the following conversation between a human and an assistant:\n\n"
            + "Human: Q?\n\nWhich is kinder?\nOptions:\n(A) one\n(B) two";
        Assert.Equal([U(question)], RoleDialogues.Feedback("Q?", "Which is kinder?", "one", "two"));
    }

    [Fact]
    public void Chat_prompts_carry_their_own_template_version() =>
        Assert.Equal("sl-v1+chat", RoleDialogues.ChatVersion(PromptFormat.TemplateVersion));
}
