export interface KeyCheckRecord {
  id: string;
  sealed: string;
}
