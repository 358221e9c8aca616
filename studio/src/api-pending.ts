// Shapes of the two routes that api/openapi.json does not describe yet (`POST /api/brief`
// and `GET /api/generation`). They reuse the generated schemas wherever they can; once the
// document gains these operations, regenerate api-types.ts and switch to its types.
import type { components } from "./api-types";

type S = components["schemas"];

export interface BriefMatch {
  attribute: S["AttributeValue"];
  span: [number, number];
  matched: string;
}

export interface BriefModifier {
  text: string;
  span: [number, number];
}

export type BriefWarning =
  | { kind: "contradiction"; a: BriefMatch | S["AttributeValue"]; b: BriefMatch | S["AttributeValue"]; rule: string }
  | { kind: "count_out_of_range"; [field: string]: unknown }
  | { kind: string; [field: string]: unknown };

export interface ParsedBrief {
  attributes: BriefMatch[];
  exclusions: BriefMatch[];
  count: number | null;
  modifiers: BriefModifier[];
  warnings: BriefWarning[];
}

/** `POST /api/brief`. */
export interface BriefResponse {
  brief: ParsedBrief;
  designs: number;
}

/** One entry of `GET /api/generation`. */
export interface JobSummary {
  job_id: string;
  brief: string;
  status: S["JobStatus"];
  designs: number;
  providers: S["Provider"][];
  created_at: string;
}

export interface JobList {
  jobs: JobSummary[];
}
