/** A follow-up event Kabar produces itself (credit.insufficient, …), emitted after commit. */
export interface DerivedEvent {
  id: string;
  type: string;
  data: unknown;
}
