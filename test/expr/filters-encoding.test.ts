/** base64encode/decode, sha256, urlencode (java.net.URLEncoder), escape strategies, raw. */
import { describe, expect, test } from "vitest";
import { failure, render } from "./helpers.js";

describe("base64 and sha256", () => {
  test.each([
    ['{{ "hello" | base64encode }} {{ "é" | base64encode }} {{ 12 | base64encode }}', "aGVsbG8= w6k= MTI="],
    ['{{ "aGVsbG8=" | base64decode }} {{ "aGVsbG8" | base64decode }}', "hello hello"],
    ['{{ "abc" | sha256 }}', "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));

  test.each(['{{ "aGVsbG8==" | base64decode }}', '{{ "a" | base64decode }}', '{{ "@@" | base64decode }}'])("%s is rejected", (source) => {
    expect(failure(source).reason).toBe("Filter 'base64decode': Please provide a correctly Base64 encoded string containing an UTF-8 string");
  });

  test("sha256 needs a String", () => {
    expect(failure("{{ 5 | sha256 }}").reason).toBe("Filter 'sha256': Need a string to hash");
  });
});

describe("urlencode is java.net.URLEncoder (space → +)", () => {
  test("encodes like Java", () => {
    expect(render("{{ v | urlencode }}", { v: "a b&c=d/é~*" })).toBe("a+b%26c%3Dd%2F%C3%A9%7E*");
    expect(render("{{ NewPhoneContact.ANI | urlencode }}", { NewPhoneContact: { ANI: "+14806754110" } })).toBe("%2B14806754110");
  });
});

describe("escape and raw", () => {
  test("html is the default strategy", () => {
    expect(render("{{ v | escape }}", { v: `<a href='x'>&"` })).toBe("&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
  });

  test("js, json, url_param and css strategies", () => {
    expect(render('{{ v | escape("js") }}', { v: `it's "x"\n</script>` })).toBe(`it\\'s \\"x\\"\\n<\\/script>`);
    expect(render('{{ v | escape(strategy="json") }}', { v: 'say "hi"\né' })).toBe('say \\"hi\\"\\n\\u00E9');
    expect(render('{{ v | escape("url_param") }}', { v: "a b&c=d/é" })).toBe("a%20b%26c%3Dd/%C3%A9");
    expect(render('{{ v | escape("css") }}', { v: "a b" })).toBe("a\\ b");
  });

  test("escaping twice is a no-op (the first result is a SafeString)", () => {
    expect(render('{{ "<" | escape | escape }}')).toBe("&lt;");
  });

  test("unknown strategies fail", () => {
    expect(failure('{{ "x" | escape("bogus") }}').reason).toBe("Filter 'escape': Unknown escaping strategy [bogus]");
  });

  test("raw gives a SafeString", () => {
    expect(render('{{ ("a" | raw) == "a" }} {{ ("a" | raw) ~ "b" }}')).toBe("false ab");
  });
});
