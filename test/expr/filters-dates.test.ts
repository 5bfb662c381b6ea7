/**
 * Dates: Webex's now() (a ZonedDateTime in UTC), Pebble's `date` filter with Java patterns and time
 * zones, Webex's `epoch`. The clock is injected: 2025-02-06T21:09:02.712Z, a Thursday in winter.
 */
import { describe, expect, test } from "vitest";
import { CLOCK, failure, render } from "./helpers.js";

describe("now()", () => {
  test("renders like Java's ZonedDateTime.toString", () => {
    expect(render("{{ now() }}")).toBe("2025-02-06T21:09:02.712Z[UTC]");
    expect(render("{{ now() }}", {}, { now: () => Date.UTC(2025, 1, 6, 21, 9, 0, 0) })).toBe("2025-02-06T21:09Z[UTC]");
    expect(render("{{ now() }}", {}, { now: () => Date.UTC(2025, 1, 6, 21, 9, 5, 0) })).toBe("2025-02-06T21:09:05Z[UTC]");
  });

  test("exposes java.time getters and plus/minus", () => {
    expect(render("{{ now().year }}-{{ now().monthValue }}-{{ now().dayOfMonth }} {{ now().hour }}:{{ now().minute }}")).toBe("2025-2-6 21:9");
    expect(render('{{ now().dayOfWeek }} {{ now().dayOfWeek == "THURSDAY" }} {{ now().month }}')).toBe("THURSDAY true FEBRUARY");
    expect(render('{{ now().plusDays(1) | date("yyyy-MM-dd") }} {{ now().minusHours(22) | date("dd HH") }} {{ now().plusMonths(1) | date("MM-dd") }}')).toBe(
      "2025-02-07 05 23 03-06",
    );
    expect(render("{{ now().toEpochSecond() }}")).toBe(String(Math.floor(CLOCK / 1000)));
  });
});

describe("date on now() uses DateTimeFormatter patterns", () => {
  test.each([
    ['{{ now() | date("yyyy-MM-dd HH:mm:ss") }}', "2025-02-06 21:09:02"],
    ["{{ now() | date }}", "2025-02-06T21:09:02.712Z[UTC]"],
    ['{{ now() | date("EEE, d MMM yyyy hh:mm a z") }}', "Thu, 6 Feb 2025 09:09 PM UTC"],
    ['{{ now() | date("EEEE MMMM") }}', "Thursday February"],
    ['{{ now() | date("ss.SSS") }} {{ now() | date("ss.S") }}', "02.712 02.7"],
    ["{{ now() | date(\"yyyy-MM-dd'T'HH:mm:ssXXX\") }}", "2025-02-06T21:09:02Z"],
    ['{{ now() | date("yy D") }}', "25 37"],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));

  test("timeZone converts to that zone (the public sample's Toronto time)", () => {
    expect(render('{{ now() | date("yyyy-MM-dd HH:mm:ss", timeZone="America/Toronto") }}')).toBe("2025-02-06 16:09:02");
    const sample = "{{ now() | date(\"yyyy-MM-dd HH:mm:ss\", existingFormat=\"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'\", timeZone=\"America/Toronto\") }}";
    expect(render(sample)).toBe("2025-02-06 16:09:02");
    expect(render('{{ now() | date("HH:mm xxx", timeZone="America/Toronto") }}')).toBe("16:09 -05:00");
    expect(render('{{ now() | date("dd HH:mm VV", timeZone="Asia/Kolkata") }}')).toBe("07 02:39 Asia/Kolkata");
  });

  test("an unknown zone id fails, like ZoneId.of", () => {
    expect(failure('{{ now() | date("HH", timeZone="Mars/Base") }}').reason).toBe("Filter 'date': Unknown time-zone ID: Mars/Base");
  });

  test("bad pattern letters fail", () => {
    expect(failure('{{ now() | date("yyyy-bb") }}').reason).toBe("Filter 'date': Unknown pattern letter: b");
    expect(failure('{{ now() | date("ddd") }}').reason).toBe("Filter 'date': Too many pattern letters: d");
  });

  test("the result is a SafeString: it concatenates, but is not == a String until a filter turns it into one", () => {
    expect(render('{{ now() | date("yyyy") == "2025" }}')).toBe("false");
    expect(render('{{ now() | date("yyyy") | trim == "2025" }}')).toBe("true");
    expect(render('{{ (now() | date("yyyy")) + 1 }}')).toBe("20251");
  });
});

describe("date on strings and numbers uses SimpleDateFormat", () => {
  test.each([
    ['{{ "06/02/2025" | date("yyyy-MM-dd", existingFormat="dd/MM/yyyy") }}', "2025-02-06"],
    ['{{ "February 6, 2025 21:09" | date("yyyy-MM-dd HH:mm", existingFormat="MMMM d, yyyy HH:mm") }}', "2025-02-06 21:09"],
    ['{{ "20250206" | date("dd.MM.yy", existingFormat="yyyyMMdd") }}', "06.02.25"],
    ['{{ "2025-07-01T12:00:00+0000" | date("HH:mm z", timeZone="America/New_York") }}', "08:00 EDT"],
    ['{{ "2024-12-30T00:00:00+0000" | date("YYYY-ww") }}', "2025-01"],
    ['{{ 1738876142712 | date("yyyy-MM-dd HH:mm:ss.SSS") }}', "2025-02-06 21:09:02.712"],
    ["{{ 0 | date }}", "1970-01-01T00:00:00+0000"],
    ['{{ "2025-02-06T21:09:02.712Z" | date("h:mm a", existingFormat="yyyy-MM-dd\'T\'HH:mm:ss.SSS\'Z\'") }}', "9:09 PM"],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));

  test("an unknown java.util.TimeZone id silently becomes GMT, as in Java", () => {
    expect(render('{{ 0 | date("HH:mm z", timeZone="Mars/Base") }}')).toBe("00:00 GMT");
  });

  test("an unparseable string fails without echoing the value", () => {
    const err = failure('{{ secret | date("yyyy") }}', { secret: "s3cr3t-token" });
    expect(err.reason).toBe("Filter 'date': Could not parse the string into a date, with formatting: yyyy-MM-dd'T'HH:mm:ssZ");
    expect(err.message).not.toContain("s3cr3t-token");
    expect(failure('{{ 0 | date("bb") }}').reason).toBe("Filter 'date': Illegal pattern character 'b'");
  });
});

describe("epoch (Webex)", () => {
  test.each([
    ["{{ now() | epoch }}", String(Math.floor(CLOCK / 1000))],
    ["{{ now() | epoch(inMillis=true) }}", String(CLOCK)],
    ['{{ "February 6, 2025 21:09" | epoch(format="MMMM d, yyyy HH:mm") }}', String(Date.UTC(2025, 1, 6, 21, 9) / 1000)],
    ['{{ "2025-02-06T21:09:02.712Z[UTC]" | epoch }}', String(Math.floor(CLOCK / 1000))],
    ['{{ "2025-02-06T21:09:02+01:00" | epoch }}', String(Date.UTC(2025, 1, 6, 20, 9, 2) / 1000)],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));

  test("a number is not a date-time", () => {
    expect(failure("{{ 5 | epoch }}").reason).toBe("Filter 'epoch': epoch needs a date-time or a String, not java.lang.Long");
  });
});
