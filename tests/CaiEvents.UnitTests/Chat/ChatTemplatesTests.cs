using System.Security.Cryptography;
using System.Text;
using CaiEvents.Contracts;
using CaiEvents.Models.Chat;

namespace CaiEvents.UnitTests.Chat;

public sealed class ChatTemplatesTests
{
    [Theory]
    // Fragments with each family's distinctive markers, as checkpoints' tokenizer_config.json templates write them.
    [InlineData("{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' }}{% endfor %}", "llama3")]
    [InlineData("{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>' + '\\n'}}{% endfor %}", "chatml")]
    [InlineData("{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}{{ '[INST] ' + m['content'] + ' [/INST]' }}{% endif %}{% endfor %}",
        "mistral")]
    [InlineData("{% for m in messages %}{{ '<start_of_turn>' + role + '\\n' + m['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}", "gemma")]
    [InlineData("{% for m in messages %}{% if m['role'] == 'user' %}{{'<|user|>' + '\\n' + m['content'] + '<|end|>' + '\\n'}}{% endif %}{% endfor %}",
        "phi3")]
    [InlineData("{% for m in messages %}{% if m['role'] == 'user' %}{{ '<|user|>\\n' + m['content'] + eos_token }}{% endif %}{% endfor %}", "zephyr")]
    public void Recognise_finds_the_family_from_its_markers(string templateText, string family)
    {
        var template = ChatTemplates.Recognise(templateText);
        Assert.Equal(family, template.Family);
        Assert.Equal(templateText, template.Text);
    }

    [Theory]
    [InlineData("{% for m in messages %}{{ m['role'] + ': ' + m['content'] + '\\n' }}{% endfor %}")]
    // Llama 2's [INST] format wraps the system message in <<SYS>>: not the mistral format, so refused rather than rendered wrong.
    [InlineData("{% if m['role'] == 'system' %}{{ '[INST] <<SYS>>\\n' + m['content'] + '\\n<</SYS>>\\n\\n' }}{% endif %}")]
    [InlineData("")]
    // <|user|> headers without eos after each turn (ChatGLM's shape) are not zephyr.
    [InlineData("[gMASK]<sop>{% for m in messages %}{{ '<|user|>\\n' + m['content'] }}{% endfor %}{{ '<|assistant|>' }}")]
    public void An_unrecognised_template_is_one_error_naming_the_known_families(string templateText)
    {
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplates.Recognise(templateText));
        Assert.StartsWith("Unrecognised chat template", error.Message);
        Assert.Contains("llama3, chatml, mistral, gemma, phi3, zephyr", error.Message);
        Assert.Contains("--chat-template", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_template_with_two_families_markers_is_refused_as_ambiguous()
    {
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplates.Recognise("'<|im_start|>' ... '<start_of_turn>'"));
        Assert.Contains("chatml and gemma", error.Message);
    }

    [Fact]
    public void ByName_is_the_explicit_override_and_refuses_unknown_names()
    {
        Assert.Equal("chatml", ChatTemplates.ByName("ChatML").Family);
        Assert.Equal(ChatTemplates.TemplateText("gemma"), ChatTemplates.ByName("gemma").Text);
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplates.ByName("vicuna"));
        Assert.Equal("Unknown chat template 'vicuna': known families are llama3, chatml, mistral, gemma, phi3, zephyr", error.Message);
        Assert.Throws<ChatTemplateException>(() => ChatTemplates.TemplateText("llama2"));
    }

    [Fact]
    public void The_hash_is_the_sha256_of_the_text_and_provenance_names_family_and_hash_prefix()
    {
        var template = ChatTemplates.Recognise("x <|im_start|> y");
        // sha256("x <|im_start|> y") computed with the BCL directly.
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("x <|im_start|> y")));
        Assert.Equal(expected, template.Sha256);
        Assert.Equal("chatml@" + expected[..16], template.ProvenanceName);
    }

    [Fact]
    public void Bos_and_eos_come_from_the_tokenizer_when_given_else_the_family_defaults()
    {
        var messages = new[] { ChatMessage.FromUser("hi"), ChatMessage.FromAssistant("yo") };
        Assert.Equal("<s>[INST] hi [/INST]yo</s>", ChatTemplates.ByName("mistral").Render(messages, false));
        Assert.Equal("<BOS>[INST] hi [/INST]yo<EOS>", ChatTemplates.ByName("mistral", "<BOS>", "<EOS>").Render(messages, false));
        Assert.Equal("[INST] hi [/INST]yo</s>", ChatTemplates.ByName("mistral", "", null).Render(messages, false));
    }

    [Theory]
    [InlineData("llama3", "<|eot_id|>")]
    [InlineData("chatml", "<|im_end|>")]
    [InlineData("mistral", "</s>")]
    [InlineData("gemma", "<end_of_turn>")]
    [InlineData("phi3", "<|end|>")]
    [InlineData("zephyr", "</s>")]
    public void Each_family_names_the_text_that_ends_a_turn(string family, string endOfTurn) =>
        Assert.Equal(endOfTurn, ChatTemplates.ByName(family).EndOfTurn);

    [Fact]
    public void A_knowledge_date_llama3_template_writes_its_fixed_fallback_date_and_one_without_it_is_refused()
    {
        const string Dated = "{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' -}}{%- if strftime_now is defined -%}"
            + "{%- set d = strftime_now('%d %b %Y') -%}{%- else -%}{%- set d = \"02 Jan 2025\" -%}{%- endif -%}"
            + "{{- 'Cutting Knowledge Date: March 2024\\n' + 'Today Date: ' + d + '\\n\\n' -}}";
        var rendered = ChatTemplates.Recognise(Dated).Render([ChatMessage.FromUser("hi")], true);
        Assert.Equal("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: March 2024\nToday Date: 02 Jan 2025\n\n"
            + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", rendered);

        var undated = Dated.Replace("\"02 Jan 2025\"", "today", StringComparison.Ordinal);
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplates.Recognise(undated));
        Assert.Contains("--chat-template", error.Message);
        // The explicit override still renders the plain format.
        Assert.DoesNotContain("Cutting", ChatTemplates.ByName("llama3").Render([ChatMessage.FromUser("hi")], true));
    }

    [Fact]
    public void An_empty_conversation_is_refused()
    {
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplates.ByName("chatml").Render([], true));
        Assert.Equal("chatml chat template: a conversation needs at least one message", error.Message);
    }
}
