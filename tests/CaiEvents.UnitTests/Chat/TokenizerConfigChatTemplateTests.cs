using CaiEvents.Contracts;
using CaiEvents.Models.Chat;

namespace CaiEvents.UnitTests.Chat;

public sealed class TokenizerConfigChatTemplateTests
{
    private static readonly IReadOnlyList<ChatMessage> Hi = [ChatMessage.FromUser("hi"), ChatMessage.FromAssistant("yo")];

    [Fact]
    public void A_string_template_is_recognised_with_the_files_special_tokens()
    {
        const string Json = """
            {"bos_token": {"content": "<BOS>", "lstrip": false}, "eos_token": "<EOS>",
             "chat_template": "{% for m in messages %}{% if m['role'] == 'user' %}{{ '[INST] ' + m['content'] + ' [/INST]' }}{% endif %}{% endfor %}"}
            """;
        var template = TokenizerConfigChatTemplate.Read(Json)!;
        Assert.Equal("mistral", template.Family);
        Assert.Equal("<BOS>[INST] hi [/INST]yo<EOS>", template.Render(Hi, false));
    }

    [Fact]
    public void A_list_of_named_templates_uses_default_and_null_tokens_write_nothing()
    {
        const string Json = """
            {"bos_token": null, "eos_token": "<|im_end|>",
             "chat_template": [{"name": "tool_use", "template": "x"}, {"name": "default", "template": "'<|im_start|>'"}]}
            """;
        var template = TokenizerConfigChatTemplate.Read(Json)!;
        Assert.Equal("chatml", template.Family);
        Assert.Equal("'<|im_start|>'", template.Text);
        Assert.Throws<ChatTemplateException>(() => TokenizerConfigChatTemplate.Read("""{"chat_template": [{"name": "tool_use", "template": "x"}]}"""));
    }

    [Fact]
    public void No_template_is_a_base_model_unless_a_family_is_named()
    {
        Assert.Null(TokenizerConfigChatTemplate.Read("""{"eos_token": "</s>"}"""));
        Assert.Null(TokenizerConfigChatTemplate.Read("""{"chat_template": null}"""));
        var chosen = TokenizerConfigChatTemplate.Read("""{"bos_token": "<s>", "eos_token": "</s>"}""", "zephyr")!;
        Assert.Equal("<|user|>\nhi</s>\n<|assistant|>\nyo</s>\n", chosen.Render(Hi, false));
        // The override wins over a template the file has, recognised or not.
        Assert.Equal("gemma", TokenizerConfigChatTemplate.Read("""{"chat_template": "{{ unknown }}"}""", "gemma")!.Family);
        Assert.Throws<ChatTemplateException>(() => TokenizerConfigChatTemplate.Read("""{"chat_template": "{{ unknown }}"}"""));
    }
}
